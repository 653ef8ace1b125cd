/**
 * The dashboard API's Lambda handler as API Gateway's HTTP API invokes it: payload format 2.0
 * events in, structured results out, DynamoDB on dynalite through the SDK the handler makes from
 * its env vars, SNS mocked. A write reaches the core as authenticated only with the IAM
 * authorizer's context on the event.
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoTopicStore } from '../../functions/adapters/dynamodb/topic-store';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import type { HttpApiEvent } from '../../functions/handlers/api';
import { createTestTables, type TestTables } from '../support/dynamo';

const snsMock = mockClient(SNSClient);
let tables: TestTables;
let handler: typeof import('../../functions/handlers/api').handler;

const iam = {
  accessKey: 'ASIAEXAMPLE',
  accountId: '123456789012',
  callerId: 'AROAEXAMPLE:analyst',
  cognitoIdentity: null,
  principalOrgId: 'o-example',
  userArn: 'arn:aws:sts::123456789012:assumed-role/analyst/analyst',
  userId: 'AROAEXAMPLE:analyst',
};

/** An HTTP API (payload 2.0) event for `method path`, signed (IAM context) or not. */
function event(
  method: string,
  rawPath: string,
  options: { body?: unknown; signed?: boolean; query?: Record<string, string> } = {},
): HttpApiEvent {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    ...(options.query && { queryStringParameters: options.query }),
    headers: {
      host: 'abc123.execute-api.eu-central-1.amazonaws.com',
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      ...(options.signed && { authorizer: { iam } }),
      domainName: 'abc123.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'awscurl/0.33',
      },
      requestId: 'J1aBcD2eFGHIJ=',
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: '10/May/2025:12:00:00 +0000',
      timeEpoch: 1746878400000,
    },
    ...(body !== undefined && { body, isBase64Encoded: false }),
  } as HttpApiEvent;
}

beforeAll(async () => {
  tables = await createTestTables();
  const pack = loadDefaultTopicPack();
  const topics = new DynamoTopicStore(tables.document, tables.names.topics);
  await topics.addAliases(pack.aliases);
  await topics.addTopics(pack.topics);
  Object.assign(process.env, {
    FEEDS_TABLE: tables.names.feeds,
    ARTICLES_TABLE: tables.names.articles,
    TOPICS_TABLE: tables.names.topics,
    SUBSCRIPTIONS_TABLE: tables.names.subscriptions,
    STORIES_TABLE: tables.names.stories,
    AUDIENCE_TOPIC_PREFIX: 'news-alerts',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  snsMock
    .on(CreateTopicCommand)
    .resolves({ TopicArn: 'arn:aws:sns:eu-central-1:123456789012:news-alerts-aud-x' })
    .on(SubscribeCommand)
    .resolves({ SubscriptionArn: 'pending confirmation' });
  ({ handler } = await import('../../functions/handlers/api'));
});

describe('api handler', () => {
  it('answers an open read with JSON that is not cached', async () => {
    const result = await handler(event('GET', '/api/topics'));

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    expect(JSON.parse(result.body ?? '').topics).toHaveLength(12);
  });

  it('refuses a write that did not come through the IAM authorizer', async () => {
    const result = await handler(
      event('POST', '/api/topics', { body: { name: 'Caspian', query: 'caspian' } }),
    );

    expect(result.statusCode).toBe(401);
    expect(
      await new DynamoTopicStore(tables.document, tables.names.topics).getTopic('caspian'),
    ).toBeUndefined();
  });

  it('creates a topic for a signed caller', async () => {
    const result = await handler(
      event('POST', '/api/topics', { body: { name: 'Caspian', query: 'caspian' }, signed: true }),
    );

    expect(result.statusCode).toBe(201);
    expect(
      await new DynamoTopicStore(tables.document, tables.names.topics).getTopic('caspian'),
    ).toMatchObject({
      query: 'caspian',
    });
  });

  it('subscribes through SNS: an encrypted audience topic and a pending email subscription', async () => {
    const result = await handler(
      event('POST', '/api/subscriptions', {
        body: { endpoint: 'desk@example.org', topics: ['energy'] },
        signed: true,
      }),
    );

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body ?? '').subscription).toMatchObject({ status: 'pending' });
    expect(snsMock).toHaveReceivedCommandWith(CreateTopicCommand, {
      Attributes: { DisplayName: 'NEWSALERTS', KmsMasterKeyId: 'alias/aws/sns' },
    });
    expect(snsMock).toHaveReceivedCommandWith(SubscribeCommand, {
      Protocol: 'email',
      Endpoint: 'desk@example.org',
      ReturnSubscriptionArn: true,
    });
  });

  it('refuses a bad query parameter with a 400 naming it', async () => {
    const result = await handler(
      event('GET', '/api/topics/energy/timeline', { query: { days: '365' } }),
    );

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '').error.field).toBe('days');
  });
});
