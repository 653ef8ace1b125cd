/**
 * The feed list (data/feeds.json, or a file given to the local runner): validated at start-up,
 * with a clear message naming the entry and field at fault.
 */
import { feedIdFor } from '../ids';
import type { FeedConfig } from '../model';
import * as z from '../zod';

const feedEntrySchema = z.object({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .check(z.maxLength(2048, 'must be at most 2,048 characters')),
  name: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(200)),
  language: z.enum(['en', 'ru', 'fa'], { error: 'must be one of en, ru, fa' }),
});

const feedListSchema = z
  .array(feedEntrySchema)
  .check(z.minLength(1, 'must list at least one feed'));

export class FeedListError extends Error {
  override readonly name = 'FeedListError';
}

export function parseFeedList(json: unknown): FeedConfig[] {
  const result = feedListSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `feed list entry ${issue.path.join('.')}` : 'feed list';
    throw new FeedListError(`${where}: ${issue?.message ?? 'invalid'}`);
  }
  const seen = new Set<string>();
  return result.data.map((entry, index) => {
    const id = feedIdFor(entry.url);
    if (seen.has(id))
      throw new FeedListError(`feed list entry ${index}.url: duplicate ${entry.url}`);
    seen.add(id);
    return { id, url: entry.url, name: entry.name, language: entry.language };
  });
}
