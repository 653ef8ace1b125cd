/**
 * The first `TopicMatcher`: every topic's query compiled once, evaluated against each article's
 * words. An article is tokenised once (title and summary together) and that index is shared by
 * all topics, so the cost per article is one tokenisation plus a few map look-ups per term.
 */
import type { Topic, TopicMatch } from '../model';
import type { TopicMatcher } from '../ports';
import { type CompiledQuery, MatchableText, QueryCompiler, QuerySyntaxError } from './query';

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

/**
 * Compiles the topics' queries with the given aliases (`@russia`, `@iran`, …). Throws
 * `TopicQueryError` for the first topic whose query is invalid, so a bad topic is found at load
 * time, not when the first article arrives.
 */
export function compileTopics(
  topics: readonly Topic[],
  aliases: Readonly<Record<string, string>>,
): TopicMatcher {
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

  return {
    // Queries are written to cover every language we track, so the language is not needed yet;
    // a stemming engine will use it to pick the stemmer.
    match({ title, summary }): TopicMatch[] {
      const text = MatchableText.from(`${title} ${summary}`);
      const matches: TopicMatch[] = [];
      for (const topic of compiled) {
        const result = topic.query.evaluate(text);
        if (result.matched) matches.push({ topicId: topic.id, terms: result.terms });
      }
      return matches;
    },
  };
}
