/**
 * Creates the tables on a local endpoint (dynalite) when they are missing. In AWS the CDK stack
 * owns the tables; this is only for the local runner and the tests.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type TableNames, TTL_ATTRIBUTE, tableSchemas } from './tables';

/** A local table made by an older version, without an index this one reads. */
export class LocalSchemaOutdatedError extends Error {
  override readonly name = 'LocalSchemaOutdatedError';
}

export async function createTablesIfMissing(
  client: DynamoDBClient,
  names: TableNames,
): Promise<void> {
  for (const schema of tableSchemas(names)) {
    try {
      await client.send(new CreateTableCommand(schema));
    } catch (error) {
      if (error instanceof ResourceInUseException) {
        await checkIndexes(client, schema.TableName ?? '', schema.GlobalSecondaryIndexes ?? []);
        continue;
      }
      throw error;
    }
    if (
      schema.TableName &&
      [names.articles, names.matches, names.deliveries, names.stories].includes(schema.TableName)
    ) {
      await enableTtl(client, schema.TableName);
    }
  }
}

/**
 * dynalite cannot add an index to an existing table, so a local database from before an index
 * existed is refused with what to do, rather than failing on the first query that needs it.
 */
async function checkIndexes(
  client: DynamoDBClient,
  tableName: string,
  expected: readonly { IndexName?: string }[],
): Promise<void> {
  if (expected.length === 0) return;
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = expected.map((index) => index.IndexName).filter((name) => !present.has(name));
  if (missing.length > 0) {
    throw new LocalSchemaOutdatedError(
      `the local table ${tableName} was made by an older version and lacks the index ` +
        `${missing.join(', ')}; move its database folder (under --data-dir) aside to start afresh`,
    );
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite does not implement UpdateTimeToLive; the read paths filter expired items anyway.
    if ((error as { name?: string }).name === 'UnknownOperationException') return;
    throw error;
  }
}
