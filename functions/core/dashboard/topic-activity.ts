/**
 * The dashboards' read model, kept up to date at write time by the poll cycle so that every
 * dashboard read is a key lookup: per topic, a counter per UTC day (matched articles, copies
 * included, and new stories) and the list of its stories, newest first, with why each matched.
 */

/** One day of a topic. */
export interface TopicDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Articles that matched the topic that day, copies included. */
  articles: number;
  /** Stories (developments) that started that day. */
  stories: number;
}

/** A story as listed under a topic. */
export interface TopicStoryEntry {
  storyId: string;
  firstSeen: string;
  /** The query terms found: why the story matched this topic. */
  terms: string[];
}

export interface TopicStoryPage {
  entries: TopicStoryEntry[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

export interface TopicActivityStore {
  /**
   * One matched article: each topic's count for `day` grows by one; when the article started a
   * story, the story count too, and the story is listed under the topic.
   */
  record(
    day: string,
    matches: readonly { topicId: string; terms: readonly string[] }[],
    newStory?: { storyId: string; firstSeen: string },
  ): Promise<void>;
  /** The days from `fromDay` to `toDay` (inclusive) that have counts, oldest first. */
  days(topicId: string, fromDay: string, toDay: string): Promise<TopicDay[]>;
  /** The topic's stories, newest first. Throws InvalidCursorError on a cursor it did not make. */
  stories(topicId: string, page: { limit: number; cursor?: string }): Promise<TopicStoryPage>;
}

/** The UTC day of an ISO time. */
export const dayOf = (iso: string): string => iso.slice(0, 10);

/** The `count` UTC days ending with `lastDay`, oldest first. */
export function dayRange(lastDay: string, count: number): string[] {
  const end = Date.parse(`${lastDay}T00:00:00Z`);
  return Array.from({ length: count }, (_, index) =>
    new Date(end - (count - 1 - index) * 86_400_000).toISOString().slice(0, 10),
  );
}

/** Every day of the range, zeros where nothing was counted. */
export function fillDays(days: readonly TopicDay[], range: readonly string[]): TopicDay[] {
  const byDay = new Map(days.map((day) => [day.day, day]));
  return range.map((day) => byDay.get(day) ?? { day, articles: 0, stories: 0 });
}
