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

/** Table names no other test uses: `<prefix>-<random>-<table>`. */
export function uniqueTableNames(prefix = 't'): TableNames {
  const unique = `${prefix}-${randomUUID().slice(0, 8)}`;
  return {
    feeds: `${unique}-feeds`,
    articles: `${unique}-articles`,
    topics: `${unique}-topics`,
    matches: `${unique}-matches`,
    subscriptions: `${unique}-subscriptions`,
    deliveries: `${unique}-deliveries`,
    stories: `${unique}-stories`,
  };
}

export async function createTestTables(): Promise<TestTables> {
  const clients = createDynamoClients(localDynamoConfig(inject('dynamoEndpoint')));
  const names = uniqueTableNames();
  await createTablesIfMissing(clients.client, names);
  const counter = countOperations(clients.client);
  return { ...clients, names, counter };
}
