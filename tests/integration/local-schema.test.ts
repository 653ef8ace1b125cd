/**
 * Local databases (dynalite) outlive versions of news-alerts, and dynalite cannot add an index to
 * an existing table: one made before an index existed is refused at start with what to do.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import {
  countOperations,
  createDynamoClients,
  localDynamoConfig,
} from '../../functions/adapters/dynamodb/client';
import {
  createTablesIfMissing,
  LocalSchemaOutdatedError,
} from '../../functions/adapters/dynamodb/create-tables';
import type { TableNames } from '../../functions/adapters/dynamodb/tables';

describe('createTablesIfMissing', () => {
  it('refuses an articles table from before the byDay index, naming the index', async () => {
    // Prepare: the articles table as an older version made it.
    const { client } = createDynamoClients(localDynamoConfig(inject('dynamoEndpoint')));
    const prefix = `old-${randomUUID().slice(0, 8)}`;
    const names: TableNames = {
      feeds: `${prefix}-feeds`,
      articles: `${prefix}-articles`,
      topics: `${prefix}-topics`,
      matches: `${prefix}-matches`,
      subscriptions: `${prefix}-subscriptions`,
      deliveries: `${prefix}-deliveries`,
      stories: `${prefix}-stories`,
    };
    await client.send(
      new CreateTableCommand({
        TableName: names.articles,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'articleKey', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'articleKey', KeyType: 'HASH' }],
      }),
    );

    // Act
    const starting = createTablesIfMissing(client, names);

    // Assess
    await expect(starting).rejects.toBeInstanceOf(LocalSchemaOutdatedError);
    await expect(starting).rejects.toThrow(/lacks the index byDay; move its database folder/);
  });

  it('accepts tables it made itself, again, with no write', async () => {
    const { client } = createDynamoClients(localDynamoConfig(inject('dynamoEndpoint')));
    const prefix = `new-${randomUUID().slice(0, 8)}`;
    const names = Object.fromEntries(
      ['feeds', 'articles', 'topics', 'matches', 'subscriptions', 'deliveries', 'stories'].map(
        (name) => [name, `${prefix}-${name}`],
      ),
    ) as unknown as TableNames;
    await createTablesIfMissing(client, names);
    const counter = countOperations(client);

    await createTablesIfMissing(client, names);

    expect(counter.writes).toBe(0);
  });
});
