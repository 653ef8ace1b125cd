/**
 * The dashboard API over HTTP as `npm start -- --port` serves it: the local server in front of
 * the API core, the DynamoDB stores on dynalite through the real SDK, subscriptions through the
 * outbox channel. Reads come from the read model the poll cycle keeps (recorded here directly),
 * writes are checked before anything is stored, and need the bearer token.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoStores,
  dashboardDependencies,
} from '../../functions/adapters/dynamodb/stores';
import { createDashboardApi } from '../../functions/core/api/dashboard-api';
import { DASHBOARD_CONTENT_SECURITY_POLICY } from '../../functions/core/api/http';
import { feedIdFor } from '../../functions/core/ids';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import type { StoredArticle } from '../../functions/core/ports';
import { type DashboardServer, startDashboardServer } from '../../functions/local/dashboard-server';
import { OutboxSubscriptionChannel } from '../../functions/local/outbox-subscription-channel';
import { createTestTables } from '../support/dynamo';

const TOKEN = 'dashboard-test-token-0123456789';
const now = new Date('2025-05-10T12:00:00Z');
const clock = { now: () => now };

let server: DashboardServer;
let stores: ReturnType<typeof createDynamoStores>;

/** A call to the running server; JSON in and out. */
async function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; raw?: string; type?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, asserted field by field
): Promise<{ status: number; body: any; headers: Headers }> {
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: {
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...((options.body !== undefined || options.raw !== undefined) && {
        'content-type': options.type ?? 'application/json',
      }),
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    headers: response.headers,
  };
}

function article(key: string, title: string, firstSeen: string): StoredArticle {
  return {
    key,
    id: key,
    feedId: 'feed-a',
    source: 'TASS',
    title,
    summary: '',
    link: `https://tass.example/${key}`,
    published: firstSeen,
    firstSeen,
    language: 'en',
  };
}

beforeAll(async () => {
  const tables = await createTestTables();
  stores = createDynamoStores(tables.document, tables.names, 30);
  const pack = loadDefaultTopicPack();
  await stores.topics.addAliases(pack.aliases);
  await stores.topics.addTopics(pack.topics);
  await stores.feeds.addFeeds(
    [
      {
        id: feedIdFor('https://tass.example/rss'),
        url: 'https://tass.example/rss',
        name: 'TASS',
        language: 'en',
      },
    ],
    now,
  );
  // Three energy stories on two days, one copy in Persian, and one article that matched nothing.
  for (const [index, firstSeen] of [
    '2025-05-08T09:00:00.000Z',
    '2025-05-10T08:00:00.000Z',
    '2025-05-10T11:00:00.000Z',
  ].entries()) {
    const storyId = `story-${index}`;
    await stores.stories.save({
      storyId,
      headline: `Gazprom gas to Iran, part ${index}`,
      outlet: 'TASS',
      published: firstSeen,
      topics: [{ id: 'energy', name: 'Energy' }],
      terms: ['gas'],
      snippet: 'Russian gas for Iran',
      link: `https://tass.example/${index}`,
      language: 'en',
      firstSeen,
      outlets: ['TASS'],
      articles: 1,
    });
    await stores.activity.record(
      firstSeen.slice(0, 10),
      [{ topicId: 'energy', terms: ['gas', 'Gazprom'] }],
      {
        storyId,
        firstSeen,
      },
    );
  }
  await stores.stories.addCopy('story-2', { outlet: 'IRNA', language: 'fa' }, now);
  await stores.activity.record('2025-05-10', [{ topicId: 'energy', terms: ['gas'] }]);
  await stores.articles.addArticles([
    article('a1', 'Russia and Iran sign gas supply contract', '2025-05-10T08:00:00.000Z'),
    article('a2', 'Football results', '2025-05-10T09:00:00.000Z'),
    article('a3', 'Iran gas deal with Russia, details', '2025-05-01T09:00:00.000Z'),
  ]);
  const channel = new OutboxSubscriptionChannel(
    join(mkdtempSync(join(tmpdir(), 'news-alerts-api-')), 'outbox.jsonl'),
    clock,
  );
  server = await startDashboardServer({
    api: createDashboardApi(dashboardDependencies(stores, channel, clock)),
    token: TOKEN,
    port: 0,
  });
});

afterAll(async () => {
  await server.close();
});

describe('reads', () => {
  it('lists the topics with 7- and 30-day counts and a 30-day sparkline', async () => {
    const { status, body } = await call('GET', '/api/topics', { token: null });

    expect(status).toBe(200);
    expect(body.topics).toHaveLength(12);
    const energy = body.topics.find((topic: { id: string }) => topic.id === 'energy');
    expect(energy.counts).toEqual({ articles7d: 4, stories7d: 3, articles30d: 4, stories30d: 3 });
    expect(energy.lastStoryAt).toBe('2025-05-10T11:00:00.000Z');
    expect(energy.sparkline).toHaveLength(30);
    expect(energy.sparkline.at(-1)).toEqual({ day: '2025-05-10', articles: 3, stories: 2 });
    expect(energy.sparkline.at(-3)).toEqual({ day: '2025-05-08', articles: 1, stories: 1 });
  });

  it('gives a topic with its stats, and 404 for one that does not exist', async () => {
    const found = await call('GET', '/api/topics/energy');
    const missing = await call('GET', '/api/topics/no-such-topic');

    expect(found.status).toBe(200);
    expect(found.body.topic).toMatchObject({ id: 'energy', name: expect.any(String) });
    expect(found.body.counts.stories7d).toBe(3);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('gives a timeline of exactly N days, zeros included, and refuses a bad N', async () => {
    const week = await call('GET', '/api/topics/energy/timeline?days=7');
    const zero = await call('GET', '/api/topics/energy/timeline?days=0');
    const word = await call('GET', '/api/topics/energy/timeline?days=many');

    expect(week.body.days.map((day: { day: string }) => day.day)).toEqual([
      '2025-05-04',
      '2025-05-05',
      '2025-05-06',
      '2025-05-07',
      '2025-05-08',
      '2025-05-09',
      '2025-05-10',
    ]);
    expect(week.body.days[4]).toEqual({ day: '2025-05-08', articles: 1, stories: 1 });
    for (const bad of [zero, word]) {
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid', field: 'days' });
    }
  });

  it("pages a topic's stories newest first, with outlets, languages and why they matched", async () => {
    const first = await call('GET', '/api/topics/energy/stories?limit=2');
    const second = await call(
      'GET',
      `/api/topics/energy/stories?limit=2&cursor=${first.body.nextCursor}`,
    );

    expect(first.body.stories.map((story: { storyId: string }) => story.storyId)).toEqual([
      'story-2',
      'story-1',
    ]);
    expect(first.body.stories[0]).toMatchObject({
      headline: 'Gazprom gas to Iran, part 2',
      outlets: ['TASS', 'IRNA'],
      languages: ['en', 'fa'],
      articles: 2,
      terms: ['gas', 'Gazprom'],
    });
    expect(second.body.stories.map((story: { storyId: string }) => story.storyId)).toEqual([
      'story-0',
    ]);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('refuses a cursor it did not make', async () => {
    const { status, body } = await call('GET', '/api/topics/energy/stories?cursor=not-a-cursor');

    expect(status).toBe(400);
    expect(body.error.field).toBe('cursor');
  });

  it('lists the feeds with their health', async () => {
    const { body } = await call('GET', '/api/feeds');

    expect(body.feeds).toEqual([
      expect.objectContaining({
        name: 'TASS',
        status: 'new',
        consecutiveErrors: 0,
        lastError: null,
      }),
    ]);
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    const unknown = await call('GET', '/api/nothing-here');
    const wrong = await call('PATCH', '/api/topics/energy', { body: {} });

    expect(unknown.status).toBe(404);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, PUT, DELETE');
  });
});

describe('topic writes', () => {
  it('needs the token: 401 without one, 403 with a wrong one, and nothing is stored', async () => {
    const topic = { name: 'Caspian shipping', query: 'caspian AND shipping' };

    const missing = await call('POST', '/api/topics', { body: topic, token: null });
    const wrong = await call('POST', '/api/topics', { body: topic, token: 'not-the-token' });

    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('unauthenticated');
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('forbidden');
    expect(await stores.topics.getTopic('caspian-shipping')).toBeUndefined();
  });

  it.each([
    ['a query with a syntax error', { name: 'Bad', query: 'Iran AND (gas' }, 'query'],
    ['an empty name', { name: '  ', query: 'gas' }, 'name'],
    ['an unknown field', { name: 'X', query: 'gas', querry: 'oil' }, 'querry'],
    ['an id that is not a slug', { id: 'Bad Id', name: 'X', query: 'gas' }, 'id'],
    ['a query over 20,000 characters', { name: 'Long', query: 'gas '.repeat(5_001) }, 'query'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_, body, field) => {
    const before = (await stores.topics.listTopics()).length;

    const { status, body: answer } = await call('POST', '/api/topics', { body });

    expect(status).toBe(400);
    expect(answer.error).toMatchObject({ code: 'invalid', field });
    expect((await stores.topics.listTopics()).length).toBe(before);
  });

  it('says where in the query a syntax error is', async () => {
    const { body } = await call('POST', '/api/topics', {
      body: { name: 'Bad', query: 'Iran AND (gas' },
    });

    expect(body.error.position).toBe(9);
    // The position is in `position` only (0-based), not repeated in the message.
    expect(body.error.message).toBe('query: unclosed "("');
  });

  it('refuses a body that is not JSON (400) or not sent as JSON (415)', async () => {
    const notJson = await call('POST', '/api/topics', { raw: '{"name":' });
    const wrongType = await call('POST', '/api/topics', {
      raw: 'name=x',
      type: 'application/x-www-form-urlencoded',
    });

    expect(notJson.status).toBe(400);
    expect(wrongType.status).toBe(415);
  });

  it('refuses a body over 64 KB with 413', async () => {
    const { status } = await call('POST', '/api/topics', {
      raw: JSON.stringify({ name: 'x', query: 'a'.repeat(70_000) }),
    });

    expect(status).toBe(413);
  });

  it('creates a topic (id from its name), refuses the same id again, edits and deletes it', async () => {
    const created = await call('POST', '/api/topics', {
      body: {
        name: 'Caspian shipping',
        description: 'Ports and ferries',
        query: 'caspian AND (port* OR ferry)',
      },
    });
    const again = await call('POST', '/api/topics', {
      body: { name: 'Caspian shipping', query: 'caspian' },
    });
    const edited = await call('PUT', '/api/topics/caspian-shipping', {
      body: { name: 'Caspian shipping', query: 'caspian AND ship*' },
    });
    const listed = await call('GET', '/api/topics');
    const deleted = await call('DELETE', '/api/topics/caspian-shipping');
    const deletedAgain = await call('DELETE', '/api/topics/caspian-shipping');

    expect(created.status).toBe(201);
    expect(created.body.topic).toEqual({
      id: 'caspian-shipping',
      name: 'Caspian shipping',
      description: 'Ports and ferries',
      query: 'caspian AND (port* OR ferry)',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.field).toBe('id');
    expect(edited.status).toBe(200);
    expect(listed.body.topics.map((topic: { id: string }) => topic.id)).toContain(
      'caspian-shipping',
    );
    expect(deleted.status).toBe(204);
    expect(deletedAgain.status).toBe(404);
    expect(await stores.topics.getTopic('caspian-shipping')).toBeUndefined();
  });

  it('refuses to edit a topic that does not exist', async () => {
    const { status } = await call('PUT', '/api/topics/nope', {
      body: { name: 'Nope', query: 'gas' },
    });

    expect(status).toBe(404);
  });
});

describe('preview', () => {
  it('runs a draft query over the articles of the last N days, newest first', async () => {
    const recent = await call('POST', '/api/topics/preview', {
      body: { query: 'Iran AND gas', days: 3 },
    });
    const longer = await call('POST', '/api/topics/preview', {
      body: { query: 'Iran AND gas', days: 14 },
    });

    expect(recent.status).toBe(200);
    expect(recent.body).toMatchObject({ scanned: 2, days: 3, truncated: false });
    expect(recent.body.matches).toEqual([
      expect.objectContaining({
        title: 'Russia and Iran sign gas supply contract',
        source: 'TASS',
        terms: ['Iran', 'gas'],
      }),
    ]);
    expect(longer.body.matches.map((match: { title: string }) => match.title)).toEqual([
      'Russia and Iran sign gas supply contract',
      'Iran gas deal with Russia, details',
    ]);
  });

  it('needs the token and refuses more than 14 days', async () => {
    const anonymous = await call('POST', '/api/topics/preview', {
      body: { query: 'gas' },
      token: null,
    });
    const tooLong = await call('POST', '/api/topics/preview', { body: { query: 'gas', days: 15 } });

    expect(anonymous.status).toBe(401);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.field).toBe('days');
  });
});

describe('subscriptions', () => {
  it('refuses a bad endpoint or an unknown topic naming the field, and stores nothing', async () => {
    const badEndpoint = await call('POST', '/api/subscriptions', {
      body: { endpoint: '0151 123', topics: ['energy'] },
    });
    const badTopic = await call('POST', '/api/subscriptions', {
      body: { endpoint: 'desk@example.org', topics: ['nope'] },
    });
    const badMode = await call('POST', '/api/subscriptions', {
      body: { endpoint: 'desk@example.org', topics: ['energy'], mode: 'weekly' },
    });

    expect(badEndpoint.body.error).toMatchObject({ code: 'invalid', field: 'endpoint' });
    expect(badTopic.body.error).toMatchObject({ code: 'invalid', field: 'topics' });
    expect(badMode.body.error).toMatchObject({ code: 'invalid', field: 'mode' });
    expect(await stores.subscriptions.list()).toEqual([]);
  });

  it.each([
    ['an email with a CRLF header injection', 'desk@example.org\r\nBcc: all@example.org'],
    ['a number that is not E.164', '+0049 151 1234'],
    ['an email with a display name', 'Desk <desk@example.org>'],
  ])('refuses %s as the endpoint', async (_, endpoint) => {
    const { status, body } = await call('POST', '/api/subscriptions', {
      body: { endpoint, topics: ['energy'] },
    });

    expect(status).toBe(400);
    expect(body.error.field).toBe('endpoint');
    expect(await stores.subscriptions.list()).toEqual([]);
  });

  it('subscribes, lists and unsubscribes an endpoint, all behind the token', async () => {
    const anonymous = await call('GET', '/api/subscriptions', { token: null });
    const created = await call('POST', '/api/subscriptions', {
      body: { endpoint: 'Desk@Example.org', topics: ['energy'], mode: 'daily' },
    });
    const listed = await call('GET', '/api/subscriptions');
    const removed = await call(
      'DELETE',
      `/api/subscriptions/${encodeURIComponent('desk@example.org')}`,
    );
    const removedAgain = await call(
      'DELETE',
      `/api/subscriptions/${encodeURIComponent('desk@example.org')}`,
    );

    expect(anonymous.status).toBe(401);
    expect(created.status).toBe(201);
    expect(created.body.subscription).toMatchObject({
      address: 'desk@example.org',
      mode: 'daily',
      // The local channel confirms at once; SNS leaves an email pending until it is confirmed.
      status: 'confirmed',
    });
    expect(listed.body.subscriptions).toEqual([
      expect.objectContaining({ address: 'desk@example.org' }),
    ]);
    expect(removed.status).toBe(204);
    expect(removedAgain.status).toBe(404);
  });
});

describe('the page', () => {
  it('is served with the Content-Security-Policy, and nothing outside web/ is', async () => {
    const page = await fetch(server.url);
    const traversal = await fetch(new URL('/..%2f..%2fpackage.json', server.url));
    const encoded = await fetch(new URL('/%2e%2e/%2e%2e/package.json', server.url));

    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(traversal.status).toBe(404);
    expect(encoded.status).toBe(404);
  });
});
