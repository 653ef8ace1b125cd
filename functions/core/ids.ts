/**
 * Keys derived from content: feed ids, article keys, content hashes. Deterministic by design:
 * re-running any step after a crash computes the same keys, which is what makes the conditional
 * writes of the poll cycle possible.
 */
import { createHash } from 'node:crypto';

const hash = (text: string, length: number): string =>
  createHash('sha256').update(text).digest('base64url').slice(0, length);

/** A feed's id: stable for its URL (scheme and host case do not matter). */
export function feedIdFor(url: string): string {
  const parsed = new URL(url);
  return `feed-${hash(parsed.href, 12)}`;
}

/** An article's storage key: the item's stable id, scoped to the feed that carried it. */
export function articleKeyFor(feedId: string, stableId: string): string {
  return `${feedId}:${hash(stableId, 22)}`;
}

/** A short content hash, for items that have neither GUID nor link. */
export function contentHash(...parts: string[]): string {
  return `sha256:${hash(parts.join('\u0000'), 32)}`;
}
