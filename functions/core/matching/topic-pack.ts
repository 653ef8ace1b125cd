/**
 * The topic pack: the default topics and the aliases their queries share, as shipped in
 * data/topic-pack.json. Owns its validation, so a pack that loads is one whose every query
 * compiles: a bad edit fails the tests and the deploy, not the first poll.
 */
import { z } from 'zod';
import pack from '../../../data/topic-pack.json' with { type: 'json' };
import type { Topic } from '../model';
import { QueryCompiler, QuerySyntaxError } from './query';

export interface TopicPack {
  version: 1;
  /** Alias name (used as `@name` in queries) → the query it stands for. */
  aliases: Record<string, string>;
  topics: Topic[];
}

/** A pack that does not validate; `issues` has one "field: problem" line each. */
export class TopicPackError extends Error {
  override readonly name = 'TopicPackError';
  constructor(
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid topic pack:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`, options);
  }
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

// Strict objects: a misspelt field ("querry") is an error rather than a silently missing topic.
const topicSchema = z.strictObject({
  id: z.string().regex(SLUG, 'must be lower-case letters and digits joined by "-"'),
  name: z.string().min(1),
  description: z.string().min(1),
  query: z.string().min(1),
});

const topicPackSchema = z
  .strictObject({
    version: z.literal(1),
    aliases: z.record(
      z.string().regex(SLUG, 'alias names must be lower-case letters and digits joined by "-"'),
      z.string().min(1),
    ),
    topics: z.array(topicSchema).min(1),
  })
  .superRefine((value, context) => {
    const seen = new Set<string>();
    value.topics.forEach((topic, index) => {
      if (seen.has(topic.id)) {
        context.addIssue({
          code: 'custom',
          path: ['topics', index, 'id'],
          message: `duplicate topic id "${topic.id}"`,
        });
      }
      seen.add(topic.id);
    });

    const compiler = new QueryCompiler(value.aliases);
    const check = (path: (string | number)[], compile: () => unknown): void => {
      try {
        compile();
      } catch (error) {
        if (!(error instanceof QuerySyntaxError)) throw error;
        context.addIssue({ code: 'custom', path, message: error.message });
      }
    };
    // Aliases are checked on their own so an error points into the alias, not at its first use.
    for (const [name, query] of Object.entries(value.aliases)) {
      check(['aliases', name], () => compiler.parse(query));
    }
    value.topics.forEach((topic, index) => {
      check(['topics', index, 'query'], () => compiler.compile(topic.query));
    });
  });

/** `topics[2].query` style, as a person would point at the field in the JSON. */
function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const key of path) {
    if (typeof key === 'number') formatted += `[${key}]`;
    else formatted += formatted ? `.${String(key)}` : String(key);
  }
  return formatted || '(pack)';
}

/** Validates a parsed pack. Throws `TopicPackError` naming every bad field. */
export function parseTopicPack(json: unknown): TopicPack {
  const result = topicPackSchema.safeParse(json);
  if (!result.success) {
    throw new TopicPackError(
      result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
      { cause: result.error },
    );
  }
  return result.data;
}

/**
 * The pack shipped with the code (bundled into the Lambda), validated. Each call returns a fresh
 * copy, so a caller that edits its topics cannot change what the next caller gets.
 */
export function loadDefaultTopicPack(): TopicPack {
  return parseTopicPack(pack);
}
