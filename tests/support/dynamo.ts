/** Fresh, uniquely named tables on the suite's dynalite for one test file. */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import {
  countOperations,
  createDynamoClients,
  type DynamoClients,
  localDynamoConfig,
  type OperationCounter,
} from '../../functions/adapters/dynamodb/client';
import { createTablesIfMissing } from '../../functions/adapters/dynamodb/create-tables';
import type { TableNames } from '../../functions/adapters/dynamodb/tables';

export interface TestTables extends DynamoClients {
  names: TableNames;
  counter: OperationCounter;
}

export async function createTestTables(): Promise<TestTables> {
  const clients = createDynamoClients(localDynamoConfig(inject('dynamoEndpoint')));
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const names: TableNames = {
    feeds: `${prefix}-feeds`,
    articles: `${prefix}-articles`,
    topics: `${prefix}-topics`,
    matches: `${prefix}-matches`,
    subscriptions: `${prefix}-subscriptions`,
    deliveries: `${prefix}-deliveries`,
    stories: `${prefix}-stories`,
  };
  await createTablesIfMissing(clients.client, names);
  const counter = countOperations(clients.client);
  return { ...clients, names, counter };
}
