/**
 * The hourly digest function (EventBridge → Lambda): sends every audience whose period ended the
 * digest of its queued stories, through the same core the local runner calls after each cycle.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { createDynamoClients } from '../adapters/dynamodb/client';
import { DynamoDeliveryLedger } from '../adapters/dynamodb/delivery-ledger';
import { DynamoStoryStore } from '../adapters/dynamodb/story-store';
import { DynamoSubscriptionStore } from '../adapters/dynamodb/subscription-store';
import { SnsAudiencePublisher } from '../adapters/sns-audience-publisher';
import { SMS_DISPLAY_NAME } from '../adapters/sns-subscription-channel';
import { type DigestOutcome, sendDueDigests } from '../core/delivery/send-digests';
import * as z from '../core/zod';
import { positiveWholeNumber, tableName } from './shared/env-schema';
import { addCounts, logger, withMetrics } from './shared/observability';

const config = z
  .object({
    SUBSCRIPTIONS_TABLE: tableName(),
    DELIVERIES_TABLE: tableName(),
    STORIES_TABLE: tableName(),
    RETENTION_DAYS: positiveWholeNumber(30),
  })
  .parse(process.env);

const dynamo = createDynamoClients();
const subscriptions = new DynamoSubscriptionStore(dynamo.document, config.SUBSCRIPTIONS_TABLE);
const ledger = new DynamoDeliveryLedger(dynamo.document, config.DELIVERIES_TABLE, {
  retentionDays: config.RETENTION_DAYS,
});
const stories = new DynamoStoryStore(dynamo.document, config.STORIES_TABLE, {
  retentionDays: config.RETENTION_DAYS,
});
// The publisher retries failed entries itself; SDK retries on top would multiply the attempts.
const publisher = new SnsAudiencePublisher({ client: new SNSClient({ maxAttempts: 1 }) });

export const handler = async (
  _event: EventBridgeEvent<'Scheduled Event', unknown>,
  context?: Context,
): Promise<DigestOutcome> =>
  withMetrics(async () => {
    const outcome = await sendDueDigests(
      await subscriptions.listAudiences(),
      { ledger, publisher, stories, messageOptions: { smsDisplayName: SMS_DISPLAY_NAME } },
      new Date(),
    );
    addCounts({
      Digests: outcome.digests,
      DigestStories: outcome.stories,
      DigestFailures: outcome.failed.length,
    });
    if (outcome.failed.length > 0) {
      logger.error('some digests could not be sent', { ...outcome });
      // Failing the invocation makes the failure visible (errors metric, alarm); the queued
      // stories stay queued and the next run sends them.
      throw new Error(
        `${outcome.failed.length} digests could not be sent: ${outcome.failed[0]?.reason}`,
      );
    }
    logger.info('digests sent', { ...outcome });
    return outcome;
  }, context);
