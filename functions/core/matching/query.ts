/**
 * The topic query language (docs/queries.md): parsing a query into a syntax tree and evaluating
 * that tree against the words of one article.
 *
 * Grammar, loosest binding first (recursive descent, one function per rule):
 *
 *   query   := or END
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*          adjacent items are joined by an implicit AND
 *   unary   := ("NOT" | "-") unary | primary    "-" only when written against its operand: -word
 *   primary := word | word* | "a phrase" | @alias | "(" or ")"
 *
 * Operators are upper-case words; lower-case "and", "or", "not" are ordinary terms. Query text
 * only ever becomes tokens compared with string equality or `startsWith`, never a RegExp, so no
 * query can be slow or change what the matcher does beyond its own result.
 *
 * The tree is plain data so a later engine (NEAR/n, stemming, an inverted index) can compile the
 * same queries differently behind the same `TopicMatcher` port.
 */
import { tokenise } from './normalise-text';

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

/** One word of a phrase: an exact token, or a prefix when written with a trailing `*`. */
export interface PhraseWord {
  readonly token: string;
  readonly prefix: boolean;
}

interface NodeBase {
  /**
   * 0-based offset of the node in the text it was written in: the query, or for nodes inside an
   * alias, the alias's own text.
   */
  readonly position: number;
}

/** A term: one normalised token. `source` is the term as written, reported as a matched term. */
export interface TermNode extends NodeBase {
  readonly kind: 'term';
  readonly source: string;
  readonly token: string;
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

/** `@name`: the alias's query, parsed once and shared by every query that uses it. */
export interface AliasNode extends NodeBase {
  readonly kind: 'alias';
  readonly name: string;
  readonly body: QueryNode;
}

export type QueryNode = TermNode | PrefixNode | PhraseNode | AndNode | OrNode | NotNode | AliasNode;

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

const ZWNJ = '\u200C';

/**
 * The words of one article, indexed for matching: token → its positions, so a term is a map
 * lookup and a phrase only checks the positions of its first word. Build it once per article and
 * evaluate every topic against it; prefix look-ups are cached, since aliases repeat them.
 */
export class MatchableText {
  private readonly positionsByToken = new Map<string, number[]>();
  private readonly positionsByPrefix = new Map<string, readonly number[]>();

  constructor(readonly tokens: readonly string[]) {
    tokens.forEach((token, index) => {
      const positions = this.positionsByToken.get(token);
      if (positions) positions.push(index);
      else this.positionsByToken.set(token, [index]);
    });
  }

  static from(text: string): MatchableText {
    return new MatchableText(tokenise(text));
  }

  has(token: string): boolean {
    return this.positionsByToken.has(token);
  }

  positionsOf(token: string): readonly number[] {
    return this.positionsByToken.get(token) ?? [];
  }

  /** Ascending positions of the tokens that start with `stem`. */
  positionsWithPrefix(stem: string): readonly number[] {
    const cached = this.positionsByPrefix.get(stem);
    if (cached) return cached;
    const positions: number[] = [];
    for (const [token, tokenPositions] of this.positionsByToken) {
      if (token.startsWith(stem)) positions.push(...tokenPositions);
    }
    positions.sort((a, b) => a - b);
    this.positionsByPrefix.set(stem, positions);
    return positions;
  }
}

// ---------------------------------------------------------------------------------------------
// Lexer

type Lexeme =
  | { readonly type: 'word'; readonly text: string; readonly position: number }
  | { readonly type: 'phrase'; readonly text: string; readonly position: number }
  | { readonly type: 'alias'; readonly name: string; readonly position: number }
  | { readonly type: 'AND' | 'OR' | 'NOT'; readonly position: number }
  | { readonly type: '-' | '(' | ')' | 'end'; readonly position: number };

const OPERATORS = new Set(['AND', 'OR', 'NOT']);
const ALIAS_NAME = /^[\p{L}\p{N}_-]+$/u;

const isSpace = (char: string | undefined): boolean => char !== undefined && /\s/u.test(char);
const endsWord = (char: string | undefined): boolean =>
  char === undefined || isSpace(char) || char === '(' || char === ')' || char === '"';

function lex(query: string): Lexeme[] {
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
      const start = index;
      while (!endsWord(query[index])) index += 1;
      const text = query.slice(start, index);
      if (OPERATORS.has(text)) {
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
    for (const token of tokens) words.push({ token, prefix: false });
    if (prefix) words[words.length - 1] = { token: last, prefix: true };
  }
  return words;
}

function nodeForWords(words: readonly PhraseWord[], source: string, position: number): QueryNode {
  const [only] = words;
  if (words.length === 1 && only) {
    return only.prefix
      ? { kind: 'prefix', source, stem: only.token, position }
      : { kind: 'term', source, token: only.token, position };
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

  private parseUnary(after?: Lexeme): QueryNode {
    const lexeme = this.peek();
    if (lexeme.type === 'NOT' || lexeme.type === '-') {
      this.next();
      return { kind: 'not', child: this.parseUnary(lexeme), position: lexeme.position };
    }
    return this.parsePrimary(after);
  }

  private parsePrimary(after: Lexeme | undefined): QueryNode {
    const lexeme = this.next();
    switch (lexeme.type) {
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
  lexeme.type === 'word' ||
  lexeme.type === 'phrase' ||
  lexeme.type === 'alias' ||
  lexeme.type === '(' ||
  lexeme.type === 'NOT' ||
  lexeme.type === '-';

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

function wordMatches(word: PhraseWord, token: string | undefined): boolean {
  if (token === undefined) return false;
  return word.prefix ? token.startsWith(word.token) : token === word.token;
}

function phraseOccurs(words: readonly PhraseWord[], text: MatchableText): boolean {
  // Cheap rejection first: every exact word must occur somewhere.
  if (!words.every((word) => word.prefix || text.has(word.token))) return false;
  const [first, ...rest] = words;
  if (!first) return false;
  const starts = first.prefix
    ? text.positionsWithPrefix(first.token)
    : text.positionsOf(first.token);
  return starts.some((start) =>
    rest.every((word, offset) => wordMatches(word, text.tokens[start + offset + 1])),
  );
}

/**
 * Whether `node` matches. With `found`, pushes the terms that made it match; without (under a
 * NOT, whose terms are never reported), an OR can stop at its first true branch.
 */
function evaluateNode(node: QueryNode, text: MatchableText, found?: string[]): boolean {
  switch (node.kind) {
    case 'term':
      if (!text.has(node.token)) return false;
      found?.push(node.source);
      return true;
    case 'prefix':
      if (text.positionsWithPrefix(node.stem).length === 0) return false;
      found?.push(node.source);
      return true;
    case 'phrase':
      if (!phraseOccurs(node.words, text)) return false;
      found?.push(node.source);
      return true;
    case 'alias':
      return evaluateNode(node.body, text, found);
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
        const found: string[] = [];
        const matched = evaluateNode(root, text, found);
        return { matched, terms: matched ? [...new Set(found)] : [] };
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
