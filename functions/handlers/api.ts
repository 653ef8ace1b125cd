/**
 * The dashboard API (API Gateway HTTP API → Lambda): translates the HTTP API event into the API
 * core's request and its response back. Which routes need credentials is decided twice: API
 * Gateway's IAM authorizer refuses unsigned calls to them before they get here, and the core
 * refuses them again unless the event carries the authorizer's IAM context.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type {
  APIGatewayEventRequestContextIAMAuthorizer,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { DynamoArticleStore } from '../adapters/dynamodb/article-store';
import { createDynamoClients } from '../adapters/dynamodb/client';
import { DynamoFeedStore } from '../adapters/dynamodb/feed-store';
import { DynamoStoryStore } from '../adapters/dynamodb/story-store';
import { DynamoSubscriptionStore } from '../adapters/dynamodb/subscription-store';
import { DynamoTopicActivityStore } from '../adapters/dynamodb/topic-activity-store';
import { DynamoTopicStore } from '../adapters/dynamodb/topic-store';
import {
  AUDIENCE_TOPIC_KMS_KEY,
  SnsSubscriptionChannel,
} from '../adapters/sns-subscription-channel';
import { createDashboardApi } from '../core/api/dashboard-api';
import { API_RESPONSE_HEADERS, type ApiRequest, type ApiResponse } from '../core/api/http';
import * as z from '../core/zod';
import { positiveWholeNumber, tableName } from './shared/env-schema';
import { logger } from './shared/observability';

const config = z
  .object({
    FEEDS_TABLE: tableName(),
    ARTICLES_TABLE: tableName(),
    TOPICS_TABLE: tableName(),
    SUBSCRIPTIONS_TABLE: tableName(),
    STORIES_TABLE: tableName(),
    AUDIENCE_TOPIC_PREFIX: z.string().check(z.minLength(1), z.maxLength(200)),
    RETENTION_DAYS: positiveWholeNumber(30),
  })
  .parse(process.env);

const { document } = createDynamoClients();
const retention = { retentionDays: config.RETENTION_DAYS };
const api = createDashboardApi({
  topics: new DynamoTopicStore(document, config.TOPICS_TABLE),
  activity: new DynamoTopicActivityStore(document, config.STORIES_TABLE, retention),
  stories: new DynamoStoryStore(document, config.STORIES_TABLE, retention),
  feeds: new DynamoFeedStore(document, config.FEEDS_TABLE),
  articles: new DynamoArticleStore(document, config.ARTICLES_TABLE, retention),
  subscriptions: {
    store: new DynamoSubscriptionStore(document, config.SUBSCRIPTIONS_TABLE),
    channel: new SnsSubscriptionChannel({
      client: new SNSClient({}),
      topicNamePrefix: config.AUDIENCE_TOPIC_PREFIX,
      kmsMasterKeyId: AUDIENCE_TOPIC_KMS_KEY,
    }),
  },
  clock: { now: () => new Date() },
});

/**
 * An HTTP API (payload 2.0) event: open routes carry no authorizer context, the routes behind the
 * IAM authorizer carry the caller's.
 */
export type HttpApiEvent = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { authorizer?: APIGatewayEventRequestContextIAMAuthorizer }
>;

export function toApiRequest(event: HttpApiEvent): ApiRequest {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const body =
    event.body !== undefined && event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.queryStringParameters ?? {},
    headers,
    body,
    auth: event.requestContext.authorizer?.iam ? 'ok' : 'missing',
  };
}

export function toResult(response: ApiResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { ...API_RESPONSE_HEADERS, ...response.headers },
    ...(response.body !== undefined && { body: JSON.stringify(response.body) }),
  };
}

export const handler = async (
  event: HttpApiEvent,
  context?: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  if (context) logger.addContext(context);
  try {
    return toResult(await api(toApiRequest(event)));
  } catch (error) {
    logger.error('request failed', { path: event.rawPath, error });
    return toResult({
      status: 500,
      body: { error: { code: 'internal', message: 'the request failed; it is logged' } },
    });
  }
};
