/**
 * The topic query language (docs/queries.md): parsing a query into a syntax tree and evaluating
 * that tree against the words of one article.
 *
 * Grammar, loosest binding first (recursive descent, one function per rule):
 *
 *   query   := or END
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*          adjacent items are joined by an implicit AND
 *   unary   := ("NOT" | "-") unary | near       "-" only when written against its operand: -word
 *   near    := primary ["NEAR/n" primary]      unordered, at most n words apart, same field
 *   primary := [field ":"] (word | word* | "a phrase" | @alias | "(" or ")")
 *
 * Operators are upper-case words; lower-case "and", "or", "not", "near" are ordinary terms.
 * Words match by stem (`stemming.ts`: Snowball for English and Russian, a light stemmer for
 * Persian), so "ratified" finds "ratification" and "Ирана" finds "Ираном"; a wildcard `word*`
 * matches the surface form. Query text only ever becomes tokens compared with string equality or
 * `startsWith`, never a RegExp, and a wildcard is only compared with the words of the article at
 * hand (never expanded against a vocabulary), so evaluation cost is bounded by the query's size
 * times the article's length.
 */
import type { Field, MatchableText } from './analysed-text';
import { tokenise } from './normalise-text';
import { stemToken } from './stemming';

export { MatchableText } from './analysed-text';

/** A query that cannot be parsed. `position` is the 0-based character offset in the query. */
export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  constructor(
    readonly position: number,
    /** What is wrong, without the position: `unexpected ")"`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason} at ${position}`, options);
  }
}

/** One word of a phrase: a token matched by its stem, or a prefix when written with `*`. */
export interface PhraseWord {
  readonly token: string;
  readonly stem: string;
  readonly prefix: boolean;
}

interface NodeBase {
  /**
   * 0-based offset of the node in the text it was written in: the query, or for nodes inside an
   * alias, the alias's own text.
   */
  readonly position: number;
}

/**
 * A term: one normalised token, matched by its stem. `source` is the term as written, reported
 * as a matched term.
 */
export interface TermNode extends NodeBase {
  readonly kind: 'term';
  readonly source: string;
  readonly token: string;
  readonly stem: string;
}

/** `word*`: any token that starts with `stem`. */
export interface PrefixNode extends NodeBase {
  readonly kind: 'prefix';
  readonly source: string;
  readonly stem: string;
}

/** Consecutive tokens: a quoted phrase, or a single written word that tokenises to several. */
export interface PhraseNode extends NodeBase {
  readonly kind: 'phrase';
  readonly source: string;
  readonly words: readonly PhraseWord[];
}

export interface AndNode extends NodeBase {
  readonly kind: 'and';
  readonly children: readonly QueryNode[];
}

export interface OrNode extends NodeBase {
  readonly kind: 'or';
  readonly children: readonly QueryNode[];
}

export interface NotNode extends NodeBase {
  readonly kind: 'not';
  readonly child: QueryNode;
}

/** `a NEAR/n b`: both operands occur, in either order, with at most n words between them. */
export interface NearNode extends NodeBase {
  readonly kind: 'near';
  readonly distance: number;
  readonly left: QueryNode;
  readonly right: QueryNode;
}

/** `title:…` / `summary:…`: the operand must match within that field alone. */
export interface FieldNode extends NodeBase {
  readonly kind: 'field';
  readonly field: Field;
  readonly child: QueryNode;
}

/** `@name`: the alias's query, parsed once and shared by every query that uses it. */
export interface AliasNode extends NodeBase {
  readonly kind: 'alias';
  readonly name: string;
  readonly body: QueryNode;
}

export type QueryNode =
  | TermNode
  | PrefixNode
  | PhraseNode
  | AndNode
  | OrNode
  | NotNode
  | NearNode
  | FieldNode
  | AliasNode;

/** The result of evaluating a query against one text. */
export interface QueryResult {
  matched: boolean;
  /**
   * The terms that made the query match, as written in the query or alias (phrases without their
   * quotes), deduplicated, in query order. Terms under NOT are never reported. Empty when the
   * query did not match.
   */
  terms: string[];
}

export interface CompiledQuery {
  readonly source: string;
  readonly root: QueryNode;
  evaluate(text: MatchableText): QueryResult;
}

/** The shortest stem a prefix wildcard accepts: shorter ones match far too many words. */
export const MIN_PREFIX_LENGTH = 3;
/** The widest NEAR window: beyond it "near" means little and checks get costly. */
export const MAX_NEAR_DISTANCE = 50;
/** Bounds on one query (aliases are counted once, where they are defined). */
export const MAX_QUERY_LENGTH = 20_000;
export const MAX_QUERY_NODES = 5_000;

const ZWNJ = '\u200C';

// ---------------------------------------------------------------------------------------------
// Lexer

type Lexeme =
  | { readonly type: 'word'; readonly text: string; readonly position: number }
  | { readonly type: 'phrase'; readonly text: string; readonly position: number }
  | { readonly type: 'alias'; readonly name: string; readonly position: number }
  | { readonly type: 'AND' | 'OR' | 'NOT'; readonly position: number }
  | { readonly type: 'NEAR'; readonly distance: number; readonly position: number }
  | { readonly type: 'field'; readonly field: Field; readonly position: number }
  | { readonly type: '-' | '(' | ')' | 'end'; readonly position: number };

const OPERATORS = new Set(['AND', 'OR', 'NOT']);
const NEAR_OPERATOR = /^NEAR(?:\/(\d{1,3}))?$/;
const FIELD_PREFIX = /^(\p{L}+):/u;
const FIELD_NAMES: ReadonlySet<string> = new Set<Field>(['title', 'summary']);
const ALIAS_NAME = /^[\p{L}\p{N}_-]+$/u;

const isSpace = (char: string | undefined): boolean => char !== undefined && /\s/u.test(char);
const endsWord = (char: string | undefined): boolean =>
  char === undefined || isSpace(char) || char === '(' || char === ')' || char === '"';

function lex(query: string): Lexeme[] {
  if (query.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(
      MAX_QUERY_LENGTH,
      `query longer than ${MAX_QUERY_LENGTH} characters`,
    );
  }
  const lexemes: Lexeme[] = [];
  let index = 0;
  while (index < query.length) {
    const char = query[index];
    if (isSpace(char)) {
      index += 1;
    } else if (char === '(' || char === ')') {
      lexemes.push({ type: char, position: index });
      index += 1;
    } else if (char === '"') {
      const close = query.indexOf('"', index + 1);
      if (close < 0) throw new QuerySyntaxError(index, 'unclosed phrase: no closing quote');
      lexemes.push({ type: 'phrase', text: query.slice(index + 1, close), position: index });
      index = close + 1;
    } else if (char === '-') {
      // "-" negates only when written against its operand, as in -word or -(a OR b).
      if (endsWord(query[index + 1]) && query[index + 1] !== '(' && query[index + 1] !== '"') {
        throw new QuerySyntaxError(index, 'expected a term right after "-"');
      }
      lexemes.push({ type: '-', position: index });
      index += 1;
    } else {
      const fieldMatch = FIELD_PREFIX.exec(query.slice(index, index + 20));
      if (fieldMatch?.[1] && !query.startsWith('://', index + fieldMatch[1].length)) {
        const name = fieldMatch[1];
        if (!FIELD_NAMES.has(name)) {
          throw new QuerySyntaxError(index, `unknown field "${name}:" (fields: title, summary)`);
        }
        const after = query[index + name.length + 1];
        if (after === undefined || isSpace(after) || after === ')') {
          throw new QuerySyntaxError(index, `expected a term right after "${name}:"`);
        }
        lexemes.push({ type: 'field', field: name as Field, position: index });
        index += name.length + 1;
        continue;
      }
      const start = index;
      while (!endsWord(query[index])) index += 1;
      const text = query.slice(start, index);
      const near = NEAR_OPERATOR.exec(text);
      if (near) {
        const distance = Number(near[1]);
        if (near[1] === undefined || distance < 1 || distance > MAX_NEAR_DISTANCE) {
          throw new QuerySyntaxError(
            start,
            `NEAR needs a distance from 1 to ${MAX_NEAR_DISTANCE} words, as in NEAR/5`,
          );
        }
        lexemes.push({ type: 'NEAR', distance, position: start });
      } else if (OPERATORS.has(text)) {
        lexemes.push({ type: text as 'AND' | 'OR' | 'NOT', position: start });
      } else if (text.startsWith('@')) {
        const name = text.slice(1);
        if (!ALIAS_NAME.test(name)) {
          throw new QuerySyntaxError(start, `invalid alias name "${text}"`);
        }
        lexemes.push({ type: 'alias', name: name.toLowerCase(), position: start });
      } else {
        lexemes.push({ type: 'word', text, position: start });
      }
    }
  }
  lexemes.push({ type: 'end', position: query.length });
  return lexemes;
}

const describe = (lexeme: Lexeme): string => {
  switch (lexeme.type) {
    case 'word':
      return `"${lexeme.text}"`;
    case 'phrase':
      return 'phrase';
    case 'alias':
      return `"@${lexeme.name}"`;
    case 'AND':
    case 'OR':
    case 'NOT':
      return lexeme.type;
    case 'NEAR':
      return `NEAR/${lexeme.distance}`;
    case 'field':
      return `"${lexeme.field}:"`;
    case 'end':
      return 'end of query';
    default:
      return `"${lexeme.type}"`;
  }
};

// ---------------------------------------------------------------------------------------------
// Terms and phrases

/** The words of written text: tokens, the last token of each `*`-suffixed piece a prefix. */
function wordsOf(written: string, position: number): PhraseWord[] {
  const words: PhraseWord[] = [];
  for (const piece of written.matchAll(/\S+/gu)) {
    const pieceText = piece[0];
    const piecePosition = position + piece.index;
    const star = pieceText.indexOf('*');
    const prefix = star >= 0;
    if (prefix && star !== pieceText.length - 1) {
      throw new QuerySyntaxError(piecePosition + star, '"*" is only allowed at the end of a word');
    }
    const tokens = tokenise(prefix ? pieceText.slice(0, -1) : pieceText);
    const last = tokens.at(-1);
    if (last === undefined) {
      throw new QuerySyntaxError(piecePosition, `"${pieceText}" has no letters or digits`);
    }
    if (prefix && [...last].length < MIN_PREFIX_LENGTH) {
      throw new QuerySyntaxError(
        piecePosition,
        `a wildcard needs at least ${MIN_PREFIX_LENGTH} letters before "*" in "${pieceText}"`,
      );
    }
    for (const token of tokens) words.push({ token, stem: stemToken(token), prefix: false });
    if (prefix) words[words.length - 1] = { token: last, stem: last, prefix: true };
  }
  return words;
}

function nodeForWords(words: readonly PhraseWord[], source: string, position: number): QueryNode {
  const [only] = words;
  if (words.length === 1 && only) {
    return only.prefix
      ? { kind: 'prefix', source, stem: only.token, position }
      : { kind: 'term', source, token: only.token, stem: only.stem, position };
  }
  return { kind: 'phrase', source, words, position };
}

/**
 * A term or phrase node. Persian writers join the parts of a compound with a ZWNJ, a space or
 * nothing; normalisation joins the ZWNJ form, so a term written with a ZWNJ also matches the
 * spaced form: "غنی‌سازی" finds both "غنی‌سازی" and "غنی سازی".
 */
function textNode(written: string, position: number, quoted: boolean): QueryNode {
  // A phrase's words start after its opening quote.
  const wordsAt = quoted ? position + 1 : position;
  const words = wordsOf(written, wordsAt);
  if (words.length === 0) throw new QuerySyntaxError(position, 'empty phrase');
  const joined = nodeForWords(words, written, position);
  if (!written.includes(ZWNJ)) return joined;
  const spaced = nodeForWords(wordsOf(written.replaceAll(ZWNJ, ' '), wordsAt), written, position);
  return { kind: 'or', children: [joined, spaced], position };
}

// ---------------------------------------------------------------------------------------------
// Parser

type AliasResolver = (name: string, position: number) => QueryNode;

class Parser {
  private index = 0;
  private nodes = 0;

  constructor(
    private readonly lexemes: readonly Lexeme[],
    private readonly resolveAlias: AliasResolver,
  ) {}

  parseQuery(): QueryNode {
    if (this.peek().type === 'end') throw new QuerySyntaxError(0, 'empty query');
    const root = this.parseOr();
    const rest = this.peek();
    if (rest.type !== 'end') throw this.unexpected(rest);
    return root;
  }

  private peek(): Lexeme {
    // The lexer always ends the list with an 'end' lexeme, and nothing reads past it.
    return this.lexemes[this.index] ?? { type: 'end', position: 0 };
  }

  private next(): Lexeme {
    const lexeme = this.peek();
    if (lexeme.type !== 'end') this.index += 1;
    return lexeme;
  }

  private unexpected(lexeme: Lexeme, after?: Lexeme): QuerySyntaxError {
    if (lexeme.type === 'end' && after) {
      return new QuerySyntaxError(lexeme.position, `expected a term after ${describe(after)}`);
    }
    return new QuerySyntaxError(lexeme.position, `unexpected ${describe(lexeme)}`);
  }

  private parseOr(after?: Lexeme): QueryNode {
    const first = this.parseAnd(after);
    const children = [first];
    while (this.peek().type === 'OR') {
      children.push(this.parseAnd(this.next()));
    }
    return children.length === 1 ? first : { kind: 'or', children, position: first.position };
  }

  private parseAnd(after?: Lexeme): QueryNode {
    const first = this.parseUnary(after);
    const children: QueryNode[] = [first];
    for (;;) {
      const lexeme = this.peek();
      if (lexeme.type === 'AND') {
        this.next();
        children.push(this.parseUnary(lexeme));
      } else if (startsOperand(lexeme)) {
        children.push(this.parseUnary());
      } else {
        break;
      }
    }
    return children.length === 1 ? first : { kind: 'and', children, position: first.position };
  }

  private parseNear(after?: Lexeme): QueryNode {
    const left = this.parsePrimary(after);
    const operator = this.peek();
    if (operator.type !== 'NEAR') return left;
    this.next();
    const right = this.parsePrimary(operator);
    const chained = this.peek();
    if (chained.type === 'NEAR') {
      throw new QuerySyntaxError(
        chained.position,
        'NEAR joins two operands; group a chain with parentheses and AND',
      );
    }
    for (const operand of [left, right]) {
      const offender = findNonPositional(operand);
      if (offender) {
        throw new QuerySyntaxError(
          offender.position,
          'NEAR works on terms, phrases, wildcards and OR groups or aliases of those',
        );
      }
    }
    return { kind: 'near', distance: operator.distance, left, right, position: left.position };
  }

  private parseUnary(after?: Lexeme): QueryNode {
    const lexeme = this.peek();
    if (lexeme.type === 'NOT' || lexeme.type === '-') {
      this.next();
      return { kind: 'not', child: this.parseUnary(lexeme), position: lexeme.position };
    }
    return this.parseNear(after);
  }

  private parsePrimary(after: Lexeme | undefined): QueryNode {
    this.nodes += 1;
    if (this.nodes > MAX_QUERY_NODES) {
      throw new QuerySyntaxError(
        this.peek().position,
        `query has more than ${MAX_QUERY_NODES} terms`,
      );
    }
    const lexeme = this.next();
    switch (lexeme.type) {
      case 'field': {
        const child = this.parsePrimary(lexeme);
        return { kind: 'field', field: lexeme.field, child, position: lexeme.position };
      }
      case 'word':
        return textNode(lexeme.text, lexeme.position, false);
      case 'phrase':
        return textNode(lexeme.text, lexeme.position, true);
      case 'alias':
        return {
          kind: 'alias',
          name: lexeme.name,
          body: this.resolveAlias(lexeme.name, lexeme.position),
          position: lexeme.position,
        };
      case '(': {
        const inner = this.parseOr(lexeme);
        const close = this.next();
        if (close.type !== ')') {
          throw close.type === 'end'
            ? new QuerySyntaxError(lexeme.position, 'unclosed "("')
            : this.unexpected(close);
        }
        return inner;
      }
      default:
        throw this.unexpected(lexeme, after);
    }
  }
}

const startsOperand = (lexeme: Lexeme): boolean =>
  lexeme.type === 'field' ||
  lexeme.type === 'word' ||
  lexeme.type === 'phrase' ||
  lexeme.type === 'alias' ||
  lexeme.type === '(' ||
  lexeme.type === 'NOT' ||
  lexeme.type === '-';

/** The first node NEAR cannot take: anything but terms, phrases, wildcards and ORs of those. */
function findNonPositional(node: QueryNode): QueryNode | undefined {
  switch (node.kind) {
    case 'term':
    case 'prefix':
    case 'phrase':
      return undefined;
    case 'or':
      return node.children.map(findNonPositional).find((offender) => offender !== undefined);
    case 'alias':
      return findNonPositional(node.body) ? node : undefined;
    default:
      return node;
  }
}

/**
 * The first node that can be true without any term being found, or undefined when the query
 * needs at least one term. A query like `NOT korea` or `iran OR NOT korea` would match almost
 * every article, so it is refused.
 */
function findExclusionOnly(node: QueryNode): QueryNode | undefined {
  switch (node.kind) {
    case 'term':
    case 'prefix':
    case 'phrase':
      return undefined;
    case 'not':
      return node;
    case 'alias':
      return findExclusionOnly(node.body) ? node : undefined;
    case 'field':
      return findExclusionOnly(node.child);
    case 'near':
      return undefined;
    case 'and': {
      const offenders = node.children.map(findExclusionOnly);
      return offenders.every((offender) => offender !== undefined) ? offenders[0] : undefined;
    }
    case 'or':
      return node.children.map(findExclusionOnly).find((offender) => offender !== undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function wordMatches(word: PhraseWord, text: MatchableText, position: number): boolean {
  if (word.prefix) return text.tokens[position]?.startsWith(word.token) ?? false;
  return text.stems[position] === word.stem;
}

function firstWordPositions(word: PhraseWord, text: MatchableText): readonly number[] {
  return word.prefix ? text.positionsWithPrefix(word.token) : text.positionsOfStem(word.stem);
}

/** Start positions where the phrase occurs, all its words in one field. */
function phraseStarts(words: readonly PhraseWord[], text: MatchableText): number[] {
  // Cheap rejection first: every stemmed word must occur somewhere.
  if (!words.every((word) => word.prefix || text.hasStem(word.stem))) return [];
  const [first, ...rest] = words;
  if (!first) return [];
  return firstWordPositions(first, text).filter(
    (start) =>
      text.sameField(start, start + rest.length) &&
      rest.every((word, offset) => wordMatches(word, text, start + offset + 1)),
  );
}

/** A match of a positional node: the first and last word positions it covers. */
type Span = readonly [number, number];

/** Where a positional node (term, prefix, phrase, or an OR/alias of those) occurs. */
function spansOf(node: QueryNode, text: MatchableText): Span[] {
  switch (node.kind) {
    case 'term':
      return text.positionsOfStem(node.stem).map((position) => [position, position]);
    case 'prefix':
      return text.positionsWithPrefix(node.stem).map((position) => [position, position]);
    case 'phrase': {
      const last = node.words.length - 1;
      return phraseStarts(node.words, text).map((start) => [start, start + last]);
    }
    case 'or':
      return node.children.flatMap((child) => spansOf(child, text));
    case 'alias':
      return spansOf(node.body, text);
    default:
      // The parser lets only positional nodes into NEAR.
      return [];
  }
}

function near(node: NearNode, text: MatchableText): boolean {
  const left = spansOf(node.left, text);
  if (left.length === 0) return false;
  const right = spansOf(node.right, text);
  for (const [leftStart, leftEnd] of left) {
    for (const [rightStart, rightEnd] of right) {
      if (!text.sameField(leftStart, rightStart)) continue;
      const between =
        rightStart > leftEnd
          ? rightStart - leftEnd - 1
          : leftStart > rightEnd
            ? leftStart - rightEnd - 1
            : 0;
      if (between <= node.distance) return true;
    }
  }
  return false;
}

/**
 * Whether `node` matches. With `found`, pushes the terms that made it match; without (under a
 * NOT, whose terms are never reported), an OR can stop at its first true branch. Alias bodies are
 * memoised on the text, so an alias shared by many topics is evaluated once per article.
 */
export function evaluateNode(node: QueryNode, text: MatchableText, found?: string[]): boolean {
  switch (node.kind) {
    case 'term':
      if (!text.hasStem(node.stem)) return false;
      found?.push(node.source);
      return true;
    case 'prefix':
      if (text.positionsWithPrefix(node.stem).length === 0) return false;
      found?.push(node.source);
      return true;
    case 'phrase':
      if (phraseStarts(node.words, text).length === 0) return false;
      found?.push(node.source);
      return true;
    case 'alias': {
      if (!found) {
        let matched = text.matchedMemo.get(node.body);
        if (matched === undefined) {
          matched = evaluateNode(node.body, text);
          text.matchedMemo.set(node.body, matched);
        }
        return matched;
      }
      let terms = text.memo.get(node.body);
      if (terms === undefined) {
        const aliasTerms: string[] = [];
        terms = evaluateNode(node.body, text, aliasTerms) ? aliasTerms : null;
        text.memo.set(node.body, terms);
      }
      if (terms === null) return false;
      found?.push(...terms);
      return true;
    }
    case 'field':
      return evaluateNode(node.child, text.view(node.field), found);
    case 'near': {
      if (!near(node, text)) return false;
      if (found) {
        evaluateNode(node.left, text, found);
        evaluateNode(node.right, text, found);
      }
      return true;
    }
    case 'not':
      return !evaluateNode(node.child, text);
    case 'and': {
      const mark = found?.length ?? 0;
      for (const child of node.children) {
        if (!evaluateNode(child, text, found)) {
          if (found) found.length = mark;
          return false;
        }
      }
      return true;
    }
    case 'or': {
      if (!found) return node.children.some((child) => evaluateNode(child, text));
      // Every branch is tried, not just the first true one, so all the reasons are reported.
      let matched = false;
      for (const child of node.children) {
        if (evaluateNode(child, text, found)) matched = true;
      }
      return matched;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compiling

/**
 * Compiles queries that may use the given aliases (`{ russia: 'russia* OR moscow' }` makes
 * `@russia` available; names are case-insensitive). Each alias is parsed once, on first use, and
 * its tree shared by every query compiled here. Aliases may use other aliases, but not in a cycle.
 */
export class QueryCompiler {
  private readonly sources: ReadonlyMap<string, string>;
  private readonly parsedAliases = new Map<string, QueryNode>();
  private readonly resolving = new Set<string>();

  constructor(aliases: Readonly<Record<string, string>> = {}) {
    this.sources = new Map(
      Object.entries(aliases).map(([name, query]) => [name.toLowerCase(), query]),
    );
  }

  /**
   * The syntax tree of a query, aliases resolved. Does not apply the NOT-only check, so it also
   * validates fragments such as an alias that only excludes (`NOT (korea OR china)`).
   */
  parse(query: string): QueryNode {
    return new Parser(lex(query), this.resolveAlias).parseQuery();
  }

  /** A query ready to evaluate. Throws `QuerySyntaxError` for bad syntax or a NOT-only query. */
  compile(query: string): CompiledQuery {
    const root = this.parse(query);
    const exclusionOnly = findExclusionOnly(root);
    if (exclusionOnly) {
      throw new QuerySyntaxError(
        exclusionOnly.position,
        'NOT alone would match every article; combine it with a term',
      );
    }
    return {
      source: query,
      root,
      evaluate(text) {
        // Most candidates do not match: a plain yes/no pass (ORs stop at the first true branch)
        // comes first, and only a match pays for collecting every reason.
        if (!evaluateNode(root, text)) return { matched: false, terms: [] };
        const found: string[] = [];
        evaluateNode(root, text, found);
        return { matched: true, terms: [...new Set(found)] };
      },
    };
  }

  private readonly resolveAlias: AliasResolver = (name, position) => {
    const known = this.parsedAliases.get(name);
    if (known) return known;
    const source = this.sources.get(name);
    if (source === undefined) throw new QuerySyntaxError(position, `unknown alias "@${name}"`);
    if (this.resolving.has(name)) {
      throw new QuerySyntaxError(position, `alias "@${name}" refers to itself`);
    }
    this.resolving.add(name);
    try {
      const body = this.parse(source);
      this.parsedAliases.set(name, body);
      return body;
    } catch (error) {
      if (!(error instanceof QuerySyntaxError)) throw error;
      // The position must point into the text being compiled, so it is the alias's use; the
      // message keeps the position inside the alias's own text.
      throw new QuerySyntaxError(
        position,
        `alias "@${name}" is invalid (${error.reason} at ${error.position} in the alias)`,
        { cause: error },
      );
    } finally {
      this.resolving.delete(name);
    }
  };
}

/** Parses and checks one query; use a `QueryCompiler` to compile many with shared aliases. */
export function compileQuery(
  query: string,
  aliases: Readonly<Record<string, string>> = {},
): CompiledQuery {
  return new QueryCompiler(aliases).compile(query);
}
