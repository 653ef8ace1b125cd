/**
 * One article's words, analysed once for matching: each token's normalised surface form and its
 * stem, its position, and the field (title or summary) it came from. Every topic is evaluated
 * against the same `MatchableText`, which also memoises what topics share (alias results, prefix
 * look-ups), so the cost of a shared alias such as `@russia` is paid once per article.
 */
import { tokenise } from './normalise-text';
import { stemToken } from './stemming';

export type Field = 'title' | 'summary';
export const FIELDS: readonly Field[] = ['title', 'summary'];

/** A memoised evaluation: the terms found, or `null` when the node did not match. */
export type MemoEntry = readonly string[] | null;

export class MatchableText {
  /** Normalised surface forms, by position. */
  readonly tokens: readonly string[];
  /** Stems, by position. */
  readonly stems: readonly string[];
  /** Positions before this one are title words; from it on, summary words. */
  readonly summaryStart: number;
  private readonly positionsByToken = new Map<string, number[]>();
  private readonly positionsByStem = new Map<string, number[]>();
  private readonly positionsByPrefix = new Map<string, readonly number[]>();
  private readonly views = new Map<Field, MatchableText>();
  private sortedTokens: string[] | undefined;
  /** Per-article memo of shared sub-queries (alias bodies), keyed by the node object. */
  readonly memo = new Map<object, MemoEntry>();
  /** The same for yes/no evaluation, which may stop at an OR's first true branch. */
  readonly matchedMemo = new Map<object, boolean>();

  constructor(titleTokens: readonly string[], summaryTokens: readonly string[] = []) {
    this.tokens = [...titleTokens, ...summaryTokens];
    this.stems = this.tokens.map(stemToken);
    this.summaryStart = titleTokens.length;
    this.tokens.forEach((token, index) => {
      push(this.positionsByToken, token, index);
      push(this.positionsByStem, this.stems[index] ?? token, index);
    });
  }

  /** Free text with no fields (tests, the CLI): all of it counts as the summary. */
  static from(text: string): MatchableText {
    return new MatchableText([], tokenise(text));
  }

  static fromArticle(article: { title: string; summary: string }): MatchableText {
    return new MatchableText(tokenise(article.title), tokenise(article.summary));
  }

  /** Whether two positions are in the same field: phrases and NEAR never span fields. */
  sameField(a: number, b: number): boolean {
    return a < this.summaryStart === b < this.summaryStart;
  }

  has(token: string): boolean {
    return this.positionsByToken.has(token);
  }

  hasStem(stem: string): boolean {
    return this.positionsByStem.has(stem);
  }

  positionsOf(token: string): readonly number[] {
    return this.positionsByToken.get(token) ?? [];
  }

  positionsOfStem(stem: string): readonly number[] {
    return this.positionsByStem.get(stem) ?? [];
  }

  /**
   * Ascending positions of the tokens that start with `prefix`. The article's distinct words are
   * sorted once, so each wildcard is a binary search plus the words it really matches: cost
   * bounded by the article, never by a vocabulary. Cached per prefix.
   */
  positionsWithPrefix(prefix: string): readonly number[] {
    const cached = this.positionsByPrefix.get(prefix);
    if (cached) return cached;
    this.sortedTokens ??= [...this.positionsByToken.keys()].sort();
    const sorted = this.sortedTokens;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sorted[middle] as string) < prefix) low = middle + 1;
      else high = middle;
    }
    const positions: number[] = [];
    for (let index = low; index < sorted.length; index++) {
      const token = sorted[index] as string;
      if (!token.startsWith(prefix)) break;
      positions.push(...(this.positionsByToken.get(token) ?? []));
    }
    if (positions.length > 1) positions.sort((a, b) => a - b);
    this.positionsByPrefix.set(prefix, positions);
    return positions;
  }

  /** The words of one field only, for `title:` and `summary:` scopes. */
  view(field: Field): MatchableText {
    let view = this.views.get(field);
    if (!view) {
      view =
        field === 'title'
          ? new MatchableText(this.tokens.slice(0, this.summaryStart))
          : new MatchableText([], this.tokens.slice(this.summaryStart));
      this.views.set(field, view);
    }
    return view;
  }

  /** Distinct stems and surface forms: what the presearch index is probed with. */
  distinctStems(): IterableIterator<string> {
    return this.positionsByStem.keys();
  }

  distinctTokens(): IterableIterator<string> {
    return this.positionsByToken.keys();
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
