/**
 * Creates the tables on a local endpoint (dynalite) when they are missing. In AWS the CDK stack
 * owns the tables; this is only for the local runner and the tests.
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type TableNames, TTL_ATTRIBUTE, tableSchemas } from './tables';

export async function createTablesIfMissing(
  client: DynamoDBClient,
  names: TableNames,
): Promise<void> {
  for (const schema of tableSchemas(names)) {
    try {
      await client.send(new CreateTableCommand(schema));
    } catch (error) {
      if (error instanceof ResourceInUseException) continue;
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
