/**
 * Local databases (dynalite) outlive versions of news-alerts, and dynalite cannot add an index to
 * an existing table: one made before an index existed is refused at start with what to do.
 */
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
import { uniqueTableNames } from '../support/dynamo';

describe('createTablesIfMissing', () => {
  it('refuses an articles table from before the byDay index, naming the index', async () => {
    // Prepare: the articles table as an older version made it.
    const { client } = createDynamoClients(localDynamoConfig(inject('dynamoEndpoint')));
    const names = uniqueTableNames('old');
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
    const names = uniqueTableNames('new');
    await createTablesIfMissing(client, names);
    const counter = countOperations(client);

    await createTablesIfMissing(client, names);

    expect(counter.writes).toBe(0);
  });
});
