/**
 * The topic matcher: every topic's query compiled once into a presearch index (see presearch.ts),
 * then per article: analyse the text once, collect the topics whose anchors occur in it, and
 * evaluate only those. `strategy: 'naive'` evaluates every topic against every article; it is the
 * reference the index is tested and benchmarked against.
 */
import type { Topic, TopicMatch } from '../model';
import type { TopicMatcher } from '../ports';
import { MatchableText } from './analysed-text';
import { AnchorExtractor, PresearchIndex } from './presearch';
import { type CompiledQuery, QueryCompiler, QuerySyntaxError } from './query';

/** A topic whose query does not compile; names the topic and where in its query the problem is. */
export class TopicQueryError extends Error {
  override readonly name = 'TopicQueryError';
  constructor(
    readonly topicId: string,
    /** 0-based character offset in the topic's query. */
    readonly position: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface CompiledTopic {
  readonly id: string;
  readonly query: CompiledQuery;
}

export interface CompileOptions {
  /** `indexed` (default) filters topics by presearch; `naive` evaluates all of them. */
  strategy?: 'indexed' | 'naive';
}

/** What a compiled matcher can tell about itself (benchmarks, logs). */
export interface TopicMatcherStats {
  topics: number;
  /** Topics that no anchor set could be found for: evaluated for every article. */
  alwaysEvaluated: number;
  /** Distinct anchor keys in the index. */
  indexKeys: number;
}

export interface CompiledTopicMatcher extends TopicMatcher {
  readonly stats: TopicMatcherStats;
  /** Topics evaluated for the last article (presearch candidates), for benchmarks. */
  readonly lastCandidates: number;
}

/**
 * Compiles the topics' queries with the given aliases (`@russia`, `@iran`, …). Throws
 * `TopicQueryError` for the first topic whose query is invalid, so a bad topic is found at load
 * time, not when the first article arrives.
 */
export function compileTopics(
  topics: readonly Topic[],
  aliases: Readonly<Record<string, string>>,
  options: CompileOptions = {},
): CompiledTopicMatcher {
  const compiler = new QueryCompiler(aliases);
  const compiled: CompiledTopic[] = topics.map((topic) => {
    try {
      return { id: topic.id, query: compiler.compile(topic.query) };
    } catch (error) {
      if (!(error instanceof QuerySyntaxError)) throw error;
      throw new TopicQueryError(
        topic.id,
        error.position,
        `topic "${topic.id}" has an invalid query: ${error.message}`,
        { cause: error },
      );
    }
  });
  return options.strategy === 'naive' ? naiveMatcher(compiled) : indexedMatcher(compiled);
}

function evaluateTopics(
  compiled: readonly CompiledTopic[],
  order: Iterable<number>,
  text: MatchableText,
): TopicMatch[] {
  const matches: TopicMatch[] = [];
  for (const index of order) {
    const topic = compiled[index];
    if (!topic) continue;
    const result = topic.query.evaluate(text);
    if (result.matched) matches.push({ topicId: topic.id, terms: result.terms });
  }
  return matches;
}

function naiveMatcher(compiled: readonly CompiledTopic[]): CompiledTopicMatcher {
  const all = compiled.map((_, index) => index);
  return {
    stats: { topics: compiled.length, alwaysEvaluated: compiled.length, indexKeys: 0 },
    lastCandidates: compiled.length,
    match(article) {
      return evaluateTopics(compiled, all, MatchableText.fromArticle(article));
    },
  };
}

function indexedMatcher(compiled: readonly CompiledTopic[]): CompiledTopicMatcher {
  const extractor = new AnchorExtractor();
  const index = new PresearchIndex(
    compiled.map((topic) => extractor.requiredSets(topic.query.root)),
  );
  const matcher: CompiledTopicMatcher & { lastCandidates: number } = {
    stats: {
      topics: compiled.length,
      alwaysEvaluated: index.always.length,
      indexKeys: index.keys,
    },
    lastCandidates: 0,
    match(article) {
      const text = MatchableText.fromArticle(article);
      const candidates = index.candidates(text);
      matcher.lastCandidates = candidates.length;
      return evaluateTopics(compiled, candidates, text);
    },
  };
  return matcher;
}
