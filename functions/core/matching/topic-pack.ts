/**
 * The topic pack: the default topics and the aliases their queries share, as shipped in
 * data/topic-pack.json. Owns its validation, so a pack that loads is one whose every query
 * compiles: a bad edit fails the tests and the deploy, not the first poll.
 *
 * An alias or a topic query is written either as one string or as an array of strings, one term,
 * phrase or small expression each, which stands for the entries joined with " OR ". OR binds
 * loosest, so joining never changes what an entry means. Arrays keep a long vocabulary readable
 * and let a problem be pointed at by entry: `aliases.energy-core[12]: unexpected ")" at 5`.
 */
import pack from '../../../data/topic-pack.json' with { type: 'json' };
import type { Topic } from '../model';
import * as z from '../zod';
import { QueryCompiler, type QueryNode, QuerySyntaxError } from './query';

export interface TopicPack {
  version: 1;
  /** Alias name (used as `@name` in queries) → the query it stands for (arrays already joined). */
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

/** What an alias that failed validation stands for while the rest of the pack is checked. */
const PLACEHOLDER_QUERY = 'placeholder';

/** A query as written in the pack: one string, or alternatives to be joined with " OR ". */
const writtenQuerySchema = z.union(
  [
    z.string().check(z.minLength(1, 'must not be empty')),
    z
      .array(z.string().check(z.minLength(1, 'must not be empty')))
      .check(z.minLength(1, 'an array must hold at least one entry')),
  ],
  { error: 'must be a query string or an array of query strings' },
);
type WrittenQuery = z.output<typeof writtenQuerySchema>;

/** The one query string a written query stands for. */
export function joinWrittenQuery(written: WrittenQuery): string {
  return typeof written === 'string' ? written : written.join(' OR ');
}

// Strict objects: a misspelt field ("querry") is an error rather than a silently missing topic.
const topicSchema = z.strictObject({
  id: z.string().check(z.regex(SLUG, 'must be lower-case letters and digits joined by "-"')),
  name: z.string().check(z.minLength(1)),
  description: z.string().check(z.minLength(1)),
  query: writtenQuerySchema,
});

type Path = (string | number)[];
type AddIssue = (path: Path, message: string) => void;

/**
 * Checks one written query with `check` (parse or compile): each entry of an array on its own, so
 * an error names the entry and the position inside it, then the joined query, which alone can
 * break the length and term limits. Returns each entry's syntax tree, or undefined on an error.
 */
function checkWrittenQuery(
  path: Path,
  written: WrittenQuery,
  check: (query: string) => QueryNode,
  addIssue: AddIssue,
): { path: Path; root: QueryNode }[] | undefined {
  const entries: [Path, string][] =
    typeof written === 'string'
      ? [[path, written]]
      : written.map((entry, index): [Path, string] => [[...path, index], entry]);
  // Empty strings and arrays are already reported by the schema.
  if (entries.length === 0 || entries.some(([, query]) => query === '')) return undefined;
  const trees: { path: Path; root: QueryNode }[] = [];
  for (const [entryPath, query] of entries) {
    try {
      trees.push({ path: entryPath, root: check(query) });
    } catch (error) {
      if (!(error instanceof QuerySyntaxError)) throw error;
      addIssue(entryPath, error.message);
    }
  }
  if (trees.length < entries.length) return undefined;
  if (typeof written !== 'string') {
    try {
      check(joinWrittenQuery(written));
    } catch (error) {
      if (!(error instanceof QuerySyntaxError)) throw error;
      addIssue(path, error.message);
      return undefined;
    }
  }
  return trees;
}

/** An alias use that leads to an invalid alias: directly, or through the alias used (`via`). */
interface InvalidAliasUse {
  name: string;
  via?: string;
  /** Position of the use in the text being checked. */
  position: number;
}

/** The first alias use in `node` that leads to an invalid alias, directly or indirectly. */
function findInvalidAliasUse(
  node: QueryNode,
  invalid: ReadonlySet<string>,
): InvalidAliasUse | undefined {
  switch (node.kind) {
    case 'alias': {
      if (invalid.has(node.name)) return { name: node.name, position: node.position };
      const inner = findInvalidAliasUse(node.body, invalid);
      return inner && { name: inner.name, via: node.name, position: node.position };
    }
    case 'and':
    case 'or':
      for (const child of node.children) {
        const found = findInvalidAliasUse(child, invalid);
        if (found) return found;
      }
      return undefined;
    case 'not':
    case 'field':
      return findInvalidAliasUse(node.child, invalid);
    case 'near':
      return findInvalidAliasUse(node.left, invalid) ?? findInvalidAliasUse(node.right, invalid);
    default:
      return undefined;
  }
}

const packFileSchema = z.strictObject({
  version: z.literal(1),
  aliases: z.record(
    z
      .string()
      .check(z.regex(SLUG, 'alias names must be lower-case letters and digits joined by "-"')),
    writtenQuerySchema,
  ),
  topics: z.array(topicSchema).check(z.minLength(1)),
});

const topicPackSchema = z.pipe(
  packFileSchema.check(
    z.superRefine((value, context) => {
      const addIssue: AddIssue = (path, message) =>
        context.addIssue({ code: 'custom', path, message });

      const seen = new Set<string>();
      value.topics.forEach((topic, index) => {
        if (seen.has(topic.id))
          addIssue(['topics', index, 'id'], `duplicate topic id "${topic.id}"`);
        seen.add(topic.id);
      });

      // Each problem is reported once, where it is written. First each alias's own text, with every
      // alias it uses standing in as a placeholder (an unknown alias is still an error)…
      const names = Object.keys(value.aliases);
      const ownText = new QueryCompiler(
        Object.fromEntries(names.map((name) => [name, PLACEHOLDER_QUERY])),
      );
      const invalid = new Set<string>();
      for (const [name, written] of Object.entries(value.aliases)) {
        const path = ['aliases', name];
        if (!checkWrittenQuery(path, written, (query) => ownText.parse(query), addIssue)) {
          invalid.add(name);
        }
      }

      // …then aliases and topics as they will run, invalid aliases replaced by the placeholder: this
      // finds cycles, and names each alias or topic that relies on an invalid alias.
      const compiler = new QueryCompiler(
        Object.fromEntries(
          Object.entries(value.aliases).map(([name, written]) => [
            name,
            invalid.has(name) ? PLACEHOLDER_QUERY : joinWrittenQuery(written),
          ]),
        ),
      );
      const checkUses = (
        path: Path,
        written: WrittenQuery,
        check: (query: string) => QueryNode,
      ) => {
        for (const tree of checkWrittenQuery(path, written, check, addIssue) ?? []) {
          const use = findInvalidAliasUse(tree.root, invalid);
          if (!use) continue;
          const through = use.via === undefined ? '' : ` through "@${use.via}"`;
          addIssue(tree.path, `uses the invalid alias "@${use.name}"${through} at ${use.position}`);
        }
      };
      for (const [name, written] of Object.entries(value.aliases)) {
        if (!invalid.has(name))
          checkUses(['aliases', name], written, (query) => compiler.parse(query));
      }
      value.topics.forEach((topic, index) => {
        checkUses(['topics', index, 'query'], topic.query, (query) => compiler.compile(query).root);
      });
    }),
  ),
  z.transform(
    (value: z.output<typeof packFileSchema>): TopicPack => ({
      version: value.version,
      aliases: Object.fromEntries(
        Object.entries(value.aliases).map(([name, written]) => [name, joinWrittenQuery(written)]),
      ),
      topics: value.topics.map((topic) => ({ ...topic, query: joinWrittenQuery(topic.query) })),
    }),
  ),
);

/** `topics[2].query` style, as a person would point at the field in the JSON. */
function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const key of path) {
    if (typeof key === 'number') formatted += `[${key}]`;
    else formatted += formatted ? `.${String(key)}` : String(key);
  }
  return formatted || '(pack)';
}

/** Validates a parsed pack and joins its arrays. Throws `TopicPackError` naming every bad field. */
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
