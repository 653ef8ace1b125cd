/**
 * Presearch, in the spirit of Lucene Monitor: each query is indexed by terms it requires (its
 * anchors), so an article only evaluates the queries whose anchors it contains. A query matches
 * only if at least one of its anchors occurs in the article; a query with no such set (one that
 * could match through NOT alone in some branch) is evaluated for every article.
 *
 * Anchor keys: `s:<stem>` for a word, `p:<first letters>` for a wildcard (the article offers the
 * same key for each of its words). For AND (and NEAR) one child is enough, so the cheapest one is
 * chosen; OR needs the union of its children. A query whose top level is an AND is indexed by its
 * two cheapest children's anchor sets, and becomes a candidate only when the article hits both
 * (the two-pass filter of Lucene Monitor's multipass presearcher, in one pass). Correctness (never
 * missing a match) is checked by a property test against evaluating every query.
 */
import type { MatchableText } from './analysed-text';
import type { QueryNode } from './query';

export type Anchors = ReadonlySet<string> | null;

/**
 * A wildcard is indexed by its first letters, up to PREFIX_KEY_LENGTH of them (longer is more
 * selective: `ratif*` by "ratif", not "rat"); each word of an article is probed with its first
 * letters at every length a wildcard key has, so both sides meet whatever the wildcard's length.
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

  /**
   * Anchor sets that must all be hit for the query to match: the two cheapest anchorable
   * children of a top-level AND (through aliases and field scopes), else the query's one set.
   * Empty when the query has no anchors at all.
   */
  requiredSets(node: QueryNode): ReadonlySet<string>[] {
    switch (node.kind) {
      case 'alias':
        return this.requiredSets(node.body);
      case 'field':
        return this.requiredSets(node.child);
      case 'and':
      case 'near': {
        const children = node.kind === 'and' ? node.children : [node.left, node.right];
        return children
          .map((child) => this.anchorsOf(child))
          .filter((anchors): anchors is ReadonlySet<string> => anchors !== null)
          .sort((a, b) => setCost(a) - setCost(b))
          .slice(0, 2);
      }
      default: {
        const anchors = this.anchorsOf(node);
        return anchors === null ? [] : [anchors];
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
 * The presearch index: topics by anchor key. Stems are looked up as they are (the stem strings
 * come from the stemmer's cache, so their hashes are computed once), and each word is probed only
 * at the prefix lengths some wildcard anchor uses. A posting is `topic * 2 + set`, the set being
 * which of the topic's (at most two) required anchor sets the key belongs to.
 */
export class PresearchIndex {
  private readonly byStem = new Map<string, number[]>();
  private readonly byPrefix = new Map<string, number[]>();
  private readonly prefixLengths: number[];
  /** Per topic: the bit mask of anchor sets an article must hit (0b1 or 0b11). */
  private readonly required: Uint8Array;
  /** Per topic: the sets hit by the current article, valid while `seen` equals the epoch. */
  private readonly hit: Uint8Array;
  private readonly seen: Uint32Array;
  private epoch = 0;
  /** Topics with no anchors: evaluated for every article. */
  readonly always: number[] = [];

  constructor(requiredByTopic: readonly (readonly ReadonlySet<string>[])[]) {
    this.required = new Uint8Array(requiredByTopic.length);
    this.hit = new Uint8Array(requiredByTopic.length);
    this.seen = new Uint32Array(requiredByTopic.length);
    const lengths = new Set<number>();
    requiredByTopic.forEach((sets, topic) => {
      if (sets.length === 0) {
        this.always.push(topic);
        return;
      }
      this.required[topic] = (1 << sets.length) - 1;
      sets.forEach((keys, set) => {
        for (const key of keys) {
          const value = key.slice(2);
          const prefix = key.startsWith('p:');
          if (prefix) lengths.add(value.length);
          append(prefix ? this.byPrefix : this.byStem, value, topic * 2 + set);
        }
      });
    });
    this.prefixLengths = [...lengths].sort((a, b) => a - b);
  }

  get keys(): number {
    return this.byStem.size + this.byPrefix.size;
  }

  /** The topics worth evaluating for this article, in ascending order. */
  candidates(text: MatchableText): number[] {
    this.epoch += 1;
    if (this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    const candidates = [...this.always];
    const visit = (postings: readonly number[]) => {
      for (const posting of postings) {
        const topic = posting >>> 1;
        const bit = 1 << (posting & 1);
        let hit = this.seen[topic] === this.epoch ? (this.hit[topic] ?? 0) : 0;
        if (hit & bit) continue;
        hit |= bit;
        this.seen[topic] = this.epoch;
        this.hit[topic] = hit;
        if (hit === this.required[topic]) candidates.push(topic);
      }
    };
    for (const stem of text.distinctStems()) {
      const postings = this.byStem.get(stem);
      if (postings) visit(postings);
    }
    if (this.prefixLengths.length > 0) {
      for (const token of text.distinctTokens()) {
        for (const length of this.prefixLengths) {
          if (length > token.length) break;
          const postings = this.byPrefix.get(token.slice(0, length));
          if (postings) visit(postings);
        }
      }
    }
    // Topic order is the order results are reported in, as the naive matcher does.
    return candidates.sort((a, b) => a - b);
  }
}

function append(map: Map<string, number[]>, key: string, posting: number): void {
  const list = map.get(key);
  if (list) list.push(posting);
  else map.set(key, [posting]);
}
