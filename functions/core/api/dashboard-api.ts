/**
 * The dashboard API (docs/api.md): topics with their counts, timelines and stories, feed health,
 * topic editing with a preview over recent articles, and subscriptions. Every read is a key
 * lookup or a Query on a key the poll cycle keeps up to date (core/dashboard/topic-activity.ts);
 * every write is validated before anything is stored, and needs an authenticated caller.
 */
import {
  dayOf,
  dayRange,
  fillDays,
  InvalidCursorError,
  type TopicActivityStore,
  type TopicDay,
} from '../dashboard/topic-activity';
import { nextDueAt } from '../feeds/poll-schedule';
import { QuerySyntaxError } from '../matching/query';
import { compileTopics, TopicQueryError } from '../matching/topic-matcher';
import type { Feed, Language, Topic } from '../model';
import type { StoryStore } from '../pipeline/story-folder';
import type { Clock } from '../ports';
import {
  type SubscriptionChannel,
  SubscriptionNotFoundError,
  type SubscriptionStore,
  subscribe,
  unsubscribe,
} from '../subscriptions/subscribe';
import { type Subscription, SubscriptionInputError } from '../subscriptions/subscription';
import * as z from '../zod';
import {
  ApiError,
  type ApiRequest,
  type ApiResponse,
  badRequest,
  MAX_BODY_BYTES,
  notFound,
} from './http';

/** Topics as the API edits them. */
export interface DashboardTopicStore {
  listTopics(): Promise<Topic[]>;
  getTopic(id: string): Promise<Topic | undefined>;
  /** Stores a new topic; false when the id is taken. */
  createTopic(topic: Topic): Promise<boolean>;
  /** Replaces a stored topic; false when there is none with its id. */
  replaceTopic(topic: Topic): Promise<boolean>;
  /** False when there was none. */
  deleteTopic(id: string): Promise<boolean>;
  listAliases(): Promise<Record<string, string>>;
}

/** An article as a preview reads it (the articles' byDay index). */
export interface PreviewArticle {
  title: string;
  summary: string;
  link: string;
  source: string;
  language: Language;
  firstSeen: string;
}

export interface DashboardDependencies {
  topics: DashboardTopicStore;
  activity: TopicActivityStore;
  stories: Pick<StoryStore, 'getMany'>;
  feeds: { listFeeds(): Promise<Feed[]> };
  /** One UTC day's articles, newest first, at most `limit`. */
  articles: { articlesOfDay(day: string, limit: number): Promise<PreviewArticle[]> };
  subscriptions: { store: SubscriptionStore; channel: SubscriptionChannel };
  clock: Clock;
}

/** Days in a topic's counts and sparkline. */
const SPARKLINE_DAYS = 30;
const MAX_TIMELINE_DAYS = 90;
const MAX_STORIES_PAGE = 50;
export const PREVIEW_MAX_ARTICLES = 5_000;
export const PREVIEW_MAX_MATCHES = 100;
const PREVIEW_MAX_DAYS = 14;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const topicFields = {
  name: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(100)),
  description: z.optional(z.string().check(z.trim(), z.maxLength(500))),
  query: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(20_000)),
};
const newTopicSchema = z.strictObject({
  id: z.optional(
    z
      .string()
      .check(z.maxLength(64), z.regex(SLUG, 'must be lower-case letters and digits joined by "-"')),
  ),
  ...topicFields,
});
const topicUpdateSchema = z.strictObject(topicFields);
const previewSchema = z.strictObject({
  query: topicFields.query,
  days: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(PREVIEW_MAX_DAYS))),
});
const subscriptionSchema = z.strictObject({
  endpoint: z.string().check(z.maxLength(320)),
  topics: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(100)),
  mode: z.optional(z.string().check(z.maxLength(20))),
});

type Handler = (request: ApiRequest, params: Record<string, string>) => Promise<ApiResponse>;

interface Route {
  method: string;
  /** Segments after `/api/`; `:name` captures one. */
  pattern: string[];
  auth: boolean;
  handle: Handler;
}

export function createDashboardApi(
  deps: DashboardDependencies,
): (request: ApiRequest) => Promise<ApiResponse> {
  const route = (method: string, path: string, auth: boolean, handle: Handler): Route => ({
    method,
    pattern: path.split('/').filter(Boolean),
    auth,
    handle,
  });
  const routes: Route[] = [
    route('GET', 'topics', false, () => listTopics(deps)),
    route('POST', 'topics', true, (request) => createTopic(deps, request)),
    route('POST', 'topics/preview', true, (request) => previewTopic(deps, request)),
    route('GET', 'topics/:id', false, (_, { id = '' }) => getTopic(deps, id)),
    route('PUT', 'topics/:id', true, (request, { id = '' }) => replaceTopic(deps, request, id)),
    route('DELETE', 'topics/:id', true, (_, { id = '' }) => deleteTopic(deps, id)),
    route('GET', 'topics/:id/timeline', false, (request, { id = '' }) =>
      timeline(deps, request, id),
    ),
    route('GET', 'topics/:id/stories', false, (request, { id = '' }) =>
      topicStories(deps, request, id),
    ),
    route('GET', 'feeds', false, () => listFeeds(deps)),
    route('GET', 'subscriptions', true, () => listSubscriptions(deps)),
    route('POST', 'subscriptions', true, (request) => addSubscription(deps, request)),
    route('DELETE', 'subscriptions/:endpoint', true, (_, { endpoint = '' }) =>
      removeSubscription(deps, endpoint),
    ),
  ];

  return async (request) => {
    try {
      const segments = splitPath(request.path);
      const candidates = routes
        .map((candidate) => ({ candidate, params: matchPattern(candidate.pattern, segments) }))
        .filter((found) => found.params !== undefined);
      if (candidates.length === 0) throw notFound(`route ${request.path}`);
      const found = candidates.find(({ candidate }) => candidate.method === request.method);
      if (!found?.params) {
        const allowed = [...new Set(candidates.map(({ candidate }) => candidate.method))];
        return {
          ...new ApiError(
            405,
            'method_not_allowed',
            `${request.method} is not allowed here; use ${allowed.join(', ')}`,
          ).toResponse(),
          headers: { Allow: allowed.join(', ') },
        };
      }
      if (found.candidate.auth && request.auth !== 'ok') {
        throw request.auth === 'missing'
          ? new ApiError(401, 'unauthenticated', 'this request needs credentials')
          : new ApiError(403, 'forbidden', 'these credentials are not allowed here');
      }
      return await found.candidate.handle(request, found.params);
    } catch (error) {
      if (error instanceof ApiError) return error.toResponse();
      throw error;
    }
  };
}

function splitPath(path: string): string[] {
  const segments = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  if (segments[0] !== 'api') throw notFound(`route ${path}`);
  try {
    return segments.slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    throw badRequest('path', 'is not valid percent-encoding');
  }
}

function matchPattern(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

/** The JSON body, checked against `schema`; errors name the field. */
function readBody<T>(request: ApiRequest, schema: z.ZodMiniType<T>): T {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  const body = request.body ?? '';
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw new ApiError(413, 'too_large', `the body is over ${MAX_BODY_BYTES / 1024} KB`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw badRequest('body', 'is not JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field =
      issue?.code === 'unrecognized_keys'
        ? (issue.keys[0] ?? 'body')
        : issue?.path.length
          ? issue.path.join('.')
          : 'body';
    const message = issue?.code === 'unrecognized_keys' ? 'is not a known field' : issue?.message;
    throw badRequest(field, message ?? 'is invalid');
  }
  return result.data;
}

function wholeNumber(
  request: ApiRequest,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = request.query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badRequest(name, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** The day counts of the last `days` days up to today, zeros included, oldest first. */
async function recentDays(deps: DashboardDependencies, topicId: string, days: number) {
  const range = dayRange(dayOf(deps.clock.now().toISOString()), days);
  const counted = await deps.activity.days(topicId, range[0] ?? '', range[range.length - 1] ?? '');
  return fillDays(counted, range);
}

function countsOf(days: readonly TopicDay[]) {
  const sum = (list: readonly TopicDay[], key: 'articles' | 'stories') =>
    list.reduce((total, day) => total + day[key], 0);
  const week = days.slice(-7);
  return {
    articles7d: sum(week, 'articles'),
    stories7d: sum(week, 'stories'),
    articles30d: sum(days, 'articles'),
    stories30d: sum(days, 'stories'),
  };
}

async function topicSummary(deps: DashboardDependencies, topic: Topic) {
  const [days, latest] = await Promise.all([
    recentDays(deps, topic.id, SPARKLINE_DAYS),
    deps.activity.stories(topic.id, { limit: 1 }),
  ]);
  return {
    counts: countsOf(days),
    lastStoryAt: latest.entries[0]?.firstSeen ?? null,
    sparkline: days,
  };
}

async function listTopics(deps: DashboardDependencies): Promise<ApiResponse> {
  const topics = (await deps.topics.listTopics()).sort((a, b) => a.name.localeCompare(b.name));
  const summaries = await Promise.all(topics.map((topic) => topicSummary(deps, topic)));
  return ok({
    topics: topics.map((topic, index) => ({ ...describeTopic(topic), ...summaries[index] })),
  });
}

function describeTopic(topic: Topic) {
  return { id: topic.id, name: topic.name, description: topic.description, query: topic.query };
}

async function requireTopic(deps: DashboardDependencies, id: string): Promise<Topic> {
  const topic = await deps.topics.getTopic(id);
  if (!topic) throw notFound(`topic ${id}`);
  return topic;
}

async function getTopic(deps: DashboardDependencies, id: string): Promise<ApiResponse> {
  const topic = await requireTopic(deps, id);
  const { counts, lastStoryAt } = await topicSummary(deps, topic);
  return ok({ topic: describeTopic(topic), counts, lastStoryAt });
}

async function timeline(
  deps: DashboardDependencies,
  request: ApiRequest,
  id: string,
): Promise<ApiResponse> {
  const days = wholeNumber(request, 'days', SPARKLINE_DAYS, 1, MAX_TIMELINE_DAYS);
  await requireTopic(deps, id);
  return ok({ topicId: id, days: await recentDays(deps, id, days) });
}

async function topicStories(
  deps: DashboardDependencies,
  request: ApiRequest,
  id: string,
): Promise<ApiResponse> {
  const limit = wholeNumber(request, 'limit', 20, 1, MAX_STORIES_PAGE);
  const cursor = request.query.cursor || undefined;
  await requireTopic(deps, id);
  let page: Awaited<ReturnType<TopicActivityStore['stories']>>;
  try {
    page = await deps.activity.stories(id, { limit, cursor });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badRequest('cursor', error.message);
    throw error;
  }
  const records = await deps.stories.getMany(page.entries.map((entry) => entry.storyId));
  const byId = new Map(records.map((record) => [record.storyId, record]));
  return ok({
    stories: page.entries.flatMap((entry) => {
      const story = byId.get(entry.storyId);
      // A story record expires with the same retention: none left means nothing to show.
      if (!story) return [];
      return [
        {
          storyId: entry.storyId,
          headline: story.headline,
          link: story.link,
          snippet: story.snippet,
          firstSeen: entry.firstSeen,
          outlets: story.outlets,
          languages: [...new Set([story.language, ...(story.languages ?? [])])].sort(),
          articles: story.articles,
          terms: entry.terms,
        },
      ];
    }),
    ...(page.nextCursor && { nextCursor: page.nextCursor }),
  });
}

/** A new or edited topic whose query must compile against the stored aliases. */
async function checkedTopic(deps: DashboardDependencies, topic: Topic): Promise<Topic> {
  try {
    compileTopics([topic], await deps.topics.listAliases());
  } catch (error) {
    if (error instanceof TopicQueryError) {
      throw queryError(error);
    }
    throw error;
  }
  return topic;
}

/** A query that does not compile: what is wrong in the message, where in `position` (0-based). */
function queryError(error: TopicQueryError): ApiError {
  const reason =
    error.cause instanceof QuerySyntaxError
      ? error.cause.reason
      : error.message.replace(/^topic [^:]*: /, '');
  return badRequest('query', reason, error.position);
}

function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

async function createTopic(deps: DashboardDependencies, request: ApiRequest): Promise<ApiResponse> {
  const input = readBody(request, newTopicSchema);
  const id = input.id ?? slugOf(input.name);
  if (!id) throw badRequest('id', 'give one: the name has no letters or digits to make it from');
  const topic = await checkedTopic(deps, {
    id,
    name: input.name,
    description: input.description ?? '',
    query: input.query,
  });
  if (!(await deps.topics.createTopic(topic))) {
    throw new ApiError(409, 'conflict', `a topic with id ${id} exists`, { field: 'id' });
  }
  return ok({ topic: describeTopic(topic) }, 201);
}

async function replaceTopic(
  deps: DashboardDependencies,
  request: ApiRequest,
  id: string,
): Promise<ApiResponse> {
  const input = readBody(request, topicUpdateSchema);
  const topic = await checkedTopic(deps, {
    id,
    name: input.name,
    description: input.description ?? '',
    query: input.query,
  });
  if (!(await deps.topics.replaceTopic(topic))) throw notFound(`topic ${id}`);
  return ok({ topic: describeTopic(topic) });
}

async function deleteTopic(deps: DashboardDependencies, id: string): Promise<ApiResponse> {
  if (!(await deps.topics.deleteTopic(id))) throw notFound(`topic ${id}`);
  return { status: 204 };
}

/** What a draft query would have matched among the articles of the last `days` days. */
async function previewTopic(
  deps: DashboardDependencies,
  request: ApiRequest,
): Promise<ApiResponse> {
  const input = readBody(request, previewSchema);
  const days = input.days ?? 3;
  let matcher: ReturnType<typeof compileTopics>;
  try {
    matcher = compileTopics(
      [{ id: 'preview', name: 'preview', description: '', query: input.query }],
      await deps.topics.listAliases(),
    );
  } catch (error) {
    if (error instanceof TopicQueryError) throw queryError(error);
    throw error;
  }
  const matches: unknown[] = [];
  let scanned = 0;
  let truncated = false;
  for (const day of dayRange(dayOf(deps.clock.now().toISOString()), days).reverse()) {
    const budget = PREVIEW_MAX_ARTICLES - scanned;
    if (budget <= 0 || matches.length >= PREVIEW_MAX_MATCHES) {
      truncated = true;
      break;
    }
    const articles = await deps.articles.articlesOfDay(day, budget);
    scanned += articles.length;
    for (const article of articles) {
      const [match] = matcher.match(article);
      if (!match) continue;
      if (matches.length >= PREVIEW_MAX_MATCHES) {
        truncated = true;
        break;
      }
      matches.push({
        title: article.title,
        link: article.link,
        source: article.source,
        language: article.language,
        firstSeen: article.firstSeen,
        terms: match.terms,
      });
    }
  }
  if (scanned >= PREVIEW_MAX_ARTICLES) truncated = true;
  return ok({ matches, scanned, days, truncated });
}

function feedStatus(feed: Feed): 'ok' | 'failing' | 'new' {
  if (feed.consecutiveErrors > 0) return 'failing';
  return feed.lastSuccessAt ? 'ok' : 'new';
}

async function listFeeds(deps: DashboardDependencies): Promise<ApiResponse> {
  const feeds = (await deps.feeds.listFeeds()).sort((a, b) => a.name.localeCompare(b.name));
  return ok({
    feeds: feeds.map((feed) => ({
      id: feed.id,
      name: feed.name,
      url: feed.url,
      language: feed.language,
      status: feedStatus(feed),
      lastSuccessAt: feed.lastSuccessAt ?? null,
      consecutiveErrors: feed.consecutiveErrors,
      lastError: feed.lastError ?? null,
      intervalMs: feed.intervalMs ?? null,
      // The start of its next due window (at or before now: due at the next tick).
      nextPollAt: nextDueAt(feed, deps.clock.now()).toISOString(),
    })),
  });
}

function describeSubscription(subscription: Subscription) {
  const { id, channel, address, topicIds, mode, status } = subscription;
  return { id, channel, address, topicIds, mode, status };
}

async function listSubscriptions(deps: DashboardDependencies): Promise<ApiResponse> {
  const subscriptions = await deps.subscriptions.store.list();
  return ok({ subscriptions: subscriptions.map(describeSubscription) });
}

async function addSubscription(
  deps: DashboardDependencies,
  request: ApiRequest,
): Promise<ApiResponse> {
  const input = readBody(request, subscriptionSchema);
  const topicIds = new Set((await deps.topics.listTopics()).map((topic) => topic.id));
  try {
    const { subscription, created } = await subscribe(input, {
      ...deps.subscriptions,
      clock: deps.clock,
      topicIds,
    });
    return ok({ subscription: describeSubscription(subscription) }, created ? 201 : 200);
  } catch (error) {
    if (error instanceof SubscriptionInputError) {
      throw badRequest(error.field, error.message.slice(error.field.length + 2));
    }
    throw error;
  }
}

async function removeSubscription(
  deps: DashboardDependencies,
  endpoint: string,
): Promise<ApiResponse> {
  try {
    await unsubscribe(endpoint, deps.subscriptions);
    return { status: 204 };
  } catch (error) {
    if (error instanceof SubscriptionNotFoundError) throw notFound(`subscription for ${endpoint}`);
    if (error instanceof SubscriptionInputError) {
      throw badRequest('endpoint', error.message.slice(error.field.length + 2));
    }
    throw error;
  }
}
