/**
 * SNS faults under the real pipeline: the SNS publisher of AWS (SnsAudiencePublisher over
 * PublishBatch) against a mocked SNS that throttles (ThrottledException, Throttling), answers 200
 * with some entries Failed, or keeps refusing one topic. Each time every delivery is accepted by
 * SNS exactly once, or parked as a dead letter with its reason after its retries; other audiences
 * and feeds are not held up.
 */
import {
  PublishBatchCommand,
  type PublishBatchCommandInput,
  type PublishBatchCommandOutput,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SnsAudiencePublisher } from '../../functions/adapters/sns-audience-publisher';
import { runPollCycle } from '../../functions/core/pipeline/run-poll-cycle';
import { AUDIENCES, createWorld, FeedServer, ITEMS, MINUTE } from './faults-world';

const snsMock = mockClient(SNSClient);
let server: FeedServer;
beforeAll(async () => {
  server = await new FeedServer().start();
});
afterEach(() => {
  snsMock.reset();
});
afterAll(async () => {
  snsMock.restore();
  await server.close();
});

type Answer = (input: PublishBatchCommandInput) => Partial<PublishBatchCommandOutput> | Error;

/** A fake SNS: what each call gets, and which entries it accepted, by `topicArn/entryId`. */
function fakeSns(answer: Answer) {
  const accepted = new Map<string, number>();
  const attempts = new Map<string, number>();
  snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    const entries = input.PublishBatchRequestEntries ?? [];
    for (const entry of entries) {
      const key = `${input.TopicArn}/${entry.Id}`;
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
    }
    const result = answer(input);
    if (result instanceof Error) throw result;
    for (const success of result.Successful ?? []) {
      const key = `${input.TopicArn}/${success.Id}`;
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
    }
    return result;
  });
  return { accepted, attempts };
}

const acceptAll: Answer = (input) => ({
  Successful: (input.PublishBatchRequestEntries ?? []).map((entry) => ({
    Id: entry.Id,
    MessageId: `m-${entry.Id}`,
  })),
  Failed: [],
});

async function setUp(name: string) {
  const waits: number[] = [];
  const publisher = new SnsAudiencePublisher({
    client: new SNSClient({ region: 'eu-central-1', maxAttempts: 1 }),
    delay: async (ms) => void waits.push(ms),
  });
  const feeds = [
    server.feed(`${name}-a`, [ITEMS.gasDeal]),
    server.feed(`${name}-b`, [ITEMS.ratification, ITEMS.railway]),
  ];
  const world = await createWorld(feeds, publisher);
  return { world, waits };
}

const smsTopic = AUDIENCES.find((audience) => audience.channel === 'sms')?.target ?? '';
const throttlingErrors = [
  [
    'ThrottledException',
    () => new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }),
  ],
  [
    'ThrottlingException',
    () =>
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
  ],
  [
    'Throttling',
    () =>
      Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
  ],
] as const;

describe('SNS throttling', () => {
  it.each(throttlingErrors)(
    'retries PublishBatch after %s with growing, jittered waits, and sends each alert once',
    async (name, error) => {
      // Prepare: the first two calls are throttled.
      let throttled = 2;
      const sns = fakeSns((input) => (throttled-- > 0 ? error() : acceptAll(input)));
      const { world, waits } = await setUp(`throttled-${name}`);

      // Act
      const report = await runPollCycle(world.deps, { concurrency: 1 });

      // Assess: 4 deliveries (gas deal: email and SMS; treaty and railway: email), once each.
      expect(report).toMatchObject({ feedsFailed: 0, alertFailures: 0, deliveries: 4 });
      expect([...sns.accepted.values()]).toEqual([1, 1, 1, 1]);
      expect(waits).toHaveLength(2);
      expect(waits[1]).toBeGreaterThanOrEqual(waits[0] ?? 0);
    },
  );

  it('parks a delivery SNS keeps refusing as a dead letter with its reason, after 5 cycles', async () => {
    // Prepare: the SMS audience's topic is throttled for good; the email topic works.
    const sns = fakeSns((input) =>
      input.TopicArn === smsTopic ? (throttlingErrors[0][1]() as Error) : acceptAll(input),
    );
    const { world, waits } = await setUp('refused');

    // Act: cycles a minute apart, as the article of the unsent delivery stays new.
    const reports = [];
    for (let cycle = 0; cycle < 6; cycle++) {
      reports.push(await runPollCycle(world.deps, { concurrency: 2 }));
      world.clock.advance(MINUTE);
    }

    // Assess: the email deliveries went out once in the first cycle; the SMS one was retried in
    // each cycle (4 tries a cycle, waits doubling) and parked in the fifth with its reason.
    expect(reports.map((report) => report.alertFailures)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(reports.map((report) => report.deadLetters)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(reports.every((report) => report.feedsFailed === 0)).toBe(true);
    expect([...sns.accepted.values()]).toEqual([1, 1, 1]);
    const smsAttempts = [...sns.attempts].filter(([key]) => key.startsWith(smsTopic));
    expect(smsAttempts.map(([, count]) => count)).toEqual([5 * 4]);
    // Each cycle's three waits: half of 200, 400, 800 ms fixed, half jitter.
    waits.slice(0, 3).forEach((wait, retry) => {
      expect(wait).toBeGreaterThanOrEqual(100 * 2 ** retry);
      expect(wait).toBeLessThanOrEqual(200 * 2 ** retry);
    });
    const dead = await world.stores.deliveries.deadLetters();
    expect(dead).toEqual([
      expect.objectContaining({
        audienceId: AUDIENCES.find((audience) => audience.channel === 'sms')?.id,
        reason: 'ThrottledException: Rate exceeded (after 4 attempts)',
      }),
    ]);
  });
});

describe('PublishBatch answering 200 with failed entries', () => {
  it('sends again only the entries SNS reported failed; the accepted ones are not resent', async () => {
    // Prepare: in the first call to each topic, its first entry fails as a server fault.
    const seen = new Set<string>();
    const sns = fakeSns((input) => {
      const entries = input.PublishBatchRequestEntries ?? [];
      const first = seen.has(input.TopicArn ?? '') ? undefined : entries[0];
      seen.add(input.TopicArn ?? '');
      return {
        Successful: entries
          .filter((entry) => entry !== first)
          .map((entry) => ({ Id: entry.Id, MessageId: `m-${entry.Id}` })),
        Failed: first
          ? [{ Id: first.Id, Code: 'InternalError', Message: 'try again', SenderFault: false }]
          : [],
      };
    });
    const { world } = await setUp('partial');

    // Act
    const report = await runPollCycle(world.deps, { concurrency: 1 });

    // Assess
    expect(report).toMatchObject({ feedsFailed: 0, alertFailures: 0, deliveries: 4 });
    expect([...sns.accepted.values()]).toEqual([1, 1, 1, 1]);
    // Two topics had a first call: one entry of each was tried twice.
    expect([...sns.attempts.values()].sort()).toEqual([1, 1, 2, 2]);
  });
});
