/**
 * The local runner's database: dynalite (the DynamoDB API on LevelDB) started in-process on a free
 * loopback port, persisting under the data folder, with the tables created on first run. The
 * pipeline reaches it through the same SDK adapters it uses against DynamoDB in AWS.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import {
  countOperations,
  createDynamoClients,
  type DynamoClients,
  localDynamoConfig,
  type OperationCounter,
} from '../adapters/dynamodb/client';
import { createTablesIfMissing } from '../adapters/dynamodb/create-tables';
import type { TableNames } from '../adapters/dynamodb/tables';

export const LOCAL_TABLE_NAMES: TableNames = {
  feeds: 'news-alerts-feeds',
  articles: 'news-alerts-articles',
  topics: 'news-alerts-topics',
  matches: 'news-alerts-matches',
  subscriptions: 'news-alerts-subscriptions',
  deliveries: 'news-alerts-deliveries',
  stories: 'news-alerts-stories',
};

export interface EmbeddedDynamo extends DynamoClients {
  endpoint: string;
  counter: OperationCounter;
  close(): Promise<void>;
}

/** Starts dynalite; `path` undefined keeps the data in memory (tests). */
export async function startEmbeddedDynamo(path: string | undefined): Promise<EmbeddedDynamo> {
  if (path) await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients = createDynamoClients(localDynamoConfig(endpoint));
  await createTablesIfMissing(clients.client, LOCAL_TABLE_NAMES);
  const counter = countOperations(clients.client);
  return {
    ...clients,
    endpoint,
    counter,
    close: async () => {
      clients.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
