/**
 * Presearch, in the spirit of Lucene Monitor: each query is indexed by terms it requires (its
 * anchors), so an article only evaluates the queries whose anchors it contains. A query matches
 * only if at least one of its anchors occurs in the article; a query with no such set (one that
 * could match through NOT alone in some branch) is evaluated for every article.
 *
 * Anchor keys: `s:<stem>` for a word, `p:<first letters>` for a wildcard (the article offers the
 * same key for each of its words). For AND (and NEAR) one child is enough, so the cheapest one is
 * chosen; OR needs the union of its children. Correctness (never missing a match) is checked by a
 * property test against evaluating every query.
 */
import type { MatchableText } from './analysed-text';
import { MIN_PREFIX_LENGTH, type QueryNode } from './query';

export type Anchors = ReadonlySet<string> | null;

/**
 * A wildcard is indexed by its first letters, up to PREFIX_KEY_LENGTH of them (longer is more
 * selective: `ratif*` by "ratif", not "rat"); the article offers every prefix of each word from
 * MIN_PREFIX_LENGTH up to that length, so both sides meet whatever the wildcard's length.
 */
const PREFIX_KEY_LENGTH = 5;
// UTF-16 slicing on both sides: a wildcard and a word that starts with it share these units.
const prefixKey = (token: string): string => `p:${token.slice(0, PREFIX_KEY_LENGTH)}`;
const stemKey = (stem: string): string => `s:${stem}`;

/**
 * How costly a key is as a filter: roughly how many articles it lets through. Wildcards cover
 * many words; very short stems are common words.
 */
function keyCost(key: string): number {
  const letters = key.length - 2;
  if (key.startsWith('p:')) return letters < PREFIX_KEY_LENGTH ? 6 : 4;
  return letters <= 3 ? 3 : 1;
}

const setCost = (keys: ReadonlySet<string>): number => {
  let cost = 0;
  for (const key of keys) cost += keyCost(key);
  return cost;
};

export class AnchorExtractor {
  /** Alias bodies are shared by many queries; their anchors are worked out once. */
  private readonly cache = new Map<QueryNode, Anchors>();

  anchorsOf(node: QueryNode): Anchors {
    switch (node.kind) {
      case 'term':
        return new Set([stemKey(node.stem)]);
      case 'prefix':
        return new Set([prefixKey(node.stem)]);
      case 'phrase': {
        // Any one word of the phrase must occur; the most selective one is kept.
        let best: string | undefined;
        for (const word of node.words) {
          const key = word.prefix ? prefixKey(word.token) : stemKey(word.stem);
          if (best === undefined || keyCost(key) < keyCost(best)) best = key;
        }
        return best === undefined ? null : new Set([best]);
      }
      case 'alias': {
        if (this.cache.has(node.body)) return this.cache.get(node.body) ?? null;
        const anchors = this.anchorsOf(node.body);
        this.cache.set(node.body, anchors);
        return anchors;
      }
      case 'field':
        return this.anchorsOf(node.child);
      case 'not':
        return null;
      case 'near':
        return this.cheapest([node.left, node.right]);
      case 'and':
        return this.cheapest(node.children);
      case 'or': {
        const union = new Set<string>();
        for (const child of node.children) {
          const anchors = this.anchorsOf(child);
          if (anchors === null) return null;
          for (const key of anchors) union.add(key);
        }
        return union;
      }
    }
  }

  private cheapest(children: readonly QueryNode[]): Anchors {
    let best: ReadonlySet<string> | null = null;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const child of children) {
      const anchors = this.anchorsOf(child);
      if (anchors === null) continue;
      const cost = setCost(anchors);
      if (cost < bestCost) {
        best = anchors;
        bestCost = cost;
      }
    }
    return best;
  }
}

/**
 * Calls `visit` with each key an article offers the presearch index: its stems, and the first
 * MIN_PREFIX_LENGTH..PREFIX_KEY_LENGTH letters of each of its words. No set is built: the caller
 * probes its postings as keys arrive and de-duplicates topics, not keys.
 */
export function forEachArticleKey(text: MatchableText, visit: (key: string) => void): void {
  for (const stem of text.distinctStems()) visit(`s:${stem}`);
  for (const token of text.distinctTokens()) {
    const longest = Math.min(token.length, PREFIX_KEY_LENGTH);
    for (let length = MIN_PREFIX_LENGTH; length <= longest; length++) {
      visit(`p:${token.slice(0, length)}`);
    }
  }
}
