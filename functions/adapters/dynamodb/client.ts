/**
 * The DynamoDB clients. Made once per process (Lambda container or local run) and injected into
 * the stores. `countOperations` lets the local runner and the tests count the calls each command
 * makes: the proof that an unchanged feed costs no writes.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClients {
  client: DynamoDBClient;
  document: DynamoDBDocumentClient;
}

/**
 * Deadlines for each DynamoDB request. Without them a request that is never answered waits for the
 * SDK's default socket timeout (5 minutes), past the poll worker's 2-minute timeout; with them it
 * fails as a TimeoutError, which the SDK retries like any transient error.
 */
export const DYNAMO_CONNECTION_TIMEOUT_MS = 2_000;
export const DYNAMO_REQUEST_TIMEOUT_MS = 5_000;

export function createDynamoClients(config: DynamoDBClientConfig = {}): DynamoClients {
  const client = new DynamoDBClient({
    requestHandler: {
      connectionTimeout: DYNAMO_CONNECTION_TIMEOUT_MS,
      requestTimeout: DYNAMO_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...config,
  });
  const document = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, document };
}

/** Config for a local endpoint (dynalite): fixed dummy credentials, no AWS account needed. */
export function localDynamoConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  };
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/** Live counts of the DynamoDB commands sent through a client, by command name. */
export class OperationCounter {
  readonly byCommand = new Map<string, number>();

  get writes(): number {
    let total = 0;
    for (const [name, count] of this.byCommand) if (WRITE_COMMANDS.has(name)) total += count;
    return total;
  }

  get total(): number {
    let total = 0;
    for (const count of this.byCommand.values()) total += count;
    return total;
  }

  reset(): void {
    this.byCommand.clear();
  }
}

export function countOperations(client: DynamoDBClient): OperationCounter {
  const counter = new OperationCounter();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counter.byCommand.set(name, (counter.byCommand.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'newsAlertsOperationCounter' },
  );
  return counter;
}
