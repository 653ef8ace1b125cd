import { describe, expect, it } from 'vitest';
import {
  compileQuery,
  MatchableText,
  QueryCompiler,
  type QueryNode,
  QuerySyntaxError,
} from '../../functions/core/matching/query';
import { stemToken } from '../../functions/core/matching/stemming';

/** A syntax tree as a short s-expression, so precedence reads at a glance. */
function show(node: QueryNode): string {
  switch (node.kind) {
    case 'term':
      return node.token;
    case 'prefix':
      return `${node.stem}*`;
    case 'phrase':
      return `"${node.words.map((word) => `${word.token}${word.prefix ? '*' : ''}`).join(' ')}"`;
    case 'alias':
      return `@${node.name}`;
    case 'not':
      return `(not ${show(node.child)})`;
    case 'and':
    case 'or':
      return `(${node.kind} ${node.children.map(show).join(' ')})`;
    case 'near':
      return `(near/${node.distance} ${show(node.left)} ${show(node.right)})`;
    case 'field':
      return `${node.field}:${show(node.child)}`;
  }
}

const parse = (query: string, aliases: Record<string, string> = {}): string =>
  show(new QueryCompiler(aliases).parse(query));

const run = (query: string, text: string, aliases: Record<string, string> = {}) =>
  compileQuery(query, aliases).evaluate(MatchableText.from(text));

function syntaxErrorOf(compile: () => unknown): QuerySyntaxError {
  try {
    compile();
  } catch (error) {
    if (error instanceof QuerySyntaxError) return error;
    throw error;
  }
  throw new Error('expected a QuerySyntaxError');
}

describe('parsing', () => {
  it('makes a term node holding the normalised token and the term as written', () => {
    // Act
    const root = compileQuery('  Тегеран').root;

    // Assess
    expect(root).toEqual({
      kind: 'term',
      source: 'Тегеран',
      token: 'тегеран',
      stem: stemToken('тегеран'),
      position: 2,
    });
  });

  it.each([
    ['binds AND tighter than OR', 'a OR b AND c', '(or a (and b c))'],
    ['joins adjacent items with an implicit AND', 'a OR b c', '(or a (and b c))'],
    ['binds NOT tighter than AND', 'NOT a b', '(and (not a) b)'],
    ['reads -word as NOT', 'a -b', '(and a (not b))'],
    [
      'negates a group or a phrase with -',
      'a -(b OR c) -"d e"',
      '(and a (not (or b c)) (not "d e"))',
    ],
    ['lets parentheses override precedence', '(a OR b) c', '(and (or a b) c)'],
    ['flattens chains of one operator', 'a AND b AND c OR d OR e', '(or (and a b c) d e)'],
    ['treats lower-case operators as words', 'war and peace', '(and war and peace)'],
    ['reads a word that splits into several tokens as a phrase', 'rasht-astara', '"rasht astara"'],
    ['keeps a trailing * as a prefix', 'иран*', 'иран*'],
    [
      'allows * at the end of any word of a phrase',
      '"стратегическ* партнерств*"',
      '"стратегическ* партнерств*"',
    ],
    ['reads a quoted single word as a term', '"iran"', 'iran'],
    ['keeps a hyphen inside a word', 'north-south corridor', '(and "north south" corridor)'],
    [
      'expands a ZWNJ compound into its joined and spaced forms',
      'غنی\u200cسازی',
      '(or غنیسازی "غنی سازی")',
    ],
  ])('%s', (_name, query, expected) => {
    // Act
    const shown = parse(query);

    // Assess
    expect(shown).toBe(expected);
  });

  it('resolves aliases to their parsed queries', () => {
    // Prepare
    const aliases = { russia: 'russia* OR moscow', iran: 'iran* OR tehran' };

    // Act
    const root = new QueryCompiler(aliases).parse('@russia AND @Iran');

    // Assess
    expect(root.kind).toBe('and');
    expect(root.kind === 'and' && root.children.map(show)).toEqual(['@russia', '@iran']);
    expect(
      root.kind === 'and' &&
        root.children.map((child) => child.kind === 'alias' && show(child.body)),
    ).toEqual(['(or russia* moscow)', '(or iran* tehran)']);
  });

  it('shares one parsed alias between the queries of a compiler', () => {
    // Prepare
    const compiler = new QueryCompiler({ russia: 'russia* OR moscow' });

    // Act
    const first = compiler.parse('@russia gas');
    const second = compiler.parse('@russia oil');

    // Assess
    const aliasOf = (root: QueryNode) =>
      root.kind === 'and' && root.children[0]?.kind === 'alias' ? root.children[0].body : undefined;
    expect(aliasOf(first)).toBeDefined();
    expect(aliasOf(first)).toBe(aliasOf(second));
  });

  it('lets an alias use another alias', () => {
    // Act
    const shown = show(
      new QueryCompiler({ both: '@russia @iran', russia: 'moscow', iran: 'tehran' }).parse('@both'),
    );

    // Assess
    expect(shown).toBe('@both');
    expect(
      run('@both', 'Moscow and Tehran', { both: '@russia @iran', russia: 'moscow', iran: 'tehran' })
        .matched,
    ).toBe(true);
  });
});

describe('syntax errors', () => {
  it.each([
    ['(iran OR russia))', 16, 'unexpected ")" at 16'],
    ['(iran OR russia', 0, 'unclosed "(" at 0'],
    ['iran AND', 8, 'expected a term after AND at 8'],
    ['iran OR', 7, 'expected a term after OR at 7'],
    ['iran NOT', 8, 'expected a term after NOT at 8'],
    ['iran OR OR russia', 8, 'unexpected OR at 8'],
    ['AND iran', 0, 'unexpected AND at 0'],
    ['()', 1, 'unexpected ")" at 1'],
    ['iran - russia', 5, 'expected a term right after "-" at 5'],
    ['"north korea', 0, 'unclosed phrase: no closing quote at 0'],
    ['iran ""', 5, 'empty phrase at 5'],
    ['ir*', 0, 'a wildcard needs at least 3 letters before "*" in "ir*" at 0'],
    ['"north ko*"', 7, 'a wildcard needs at least 3 letters before "*" in "ko*" at 7'],
    ['ir*an', 2, '"*" is only allowed at the end of a word at 2'],
    ['iran !!!', 5, '"!!!" has no letters or digits at 5'],
    ['@', 0, 'invalid alias name "@" at 0'],
    ['iran @nowhere', 5, 'unknown alias "@nowhere" at 5'],
    ['', 0, 'empty query at 0'],
    ['   ', 0, 'empty query at 0'],
  ])('rejects %j at %i', (query, position, message) => {
    // Act
    const error = syntaxErrorOf(() => compileQuery(query));

    // Assess
    expect(error.position).toBe(position);
    expect(error.message).toBe(message);
  });

  it.each([
    ['NOT korea', 0],
    ['-korea', 0],
    ['iran OR NOT korea', 8],
    ['NOT a AND NOT b', 0],
    ['(NOT a) OR b', 1],
  ])('rejects the NOT-only query %j, which would match every article', (query, position) => {
    // Act
    const error = syntaxErrorOf(() => compileQuery(query));

    // Assess
    expect(error.position).toBe(position);
    expect(error.message).toContain('NOT alone would match every article');
  });

  it('rejects an alias that only excludes when it is used alone, but parses it', () => {
    // Prepare
    const aliases = { 'not-korea': 'NOT (korea OR pyongyang)' };

    // Act
    const error = syntaxErrorOf(() => compileQuery('@not-korea', aliases));

    // Assess
    expect(error.position).toBe(0);
    expect(() => new QueryCompiler(aliases).parse('@not-korea')).not.toThrow();
    expect(run('iran @not-korea', 'Iran and Korea', aliases).matched).toBe(false);
    expect(run('iran @not-korea', 'Iran and Russia', aliases).matched).toBe(true);
  });

  it('reports an error inside an alias at its use, with the position inside the alias', () => {
    // Act
    const error = syntaxErrorOf(() => compileQuery('gas AND @russia', { russia: 'moscow OR (' }));

    // Assess
    expect(error.position).toBe(8);
    expect(error.message).toBe(
      'alias "@russia" is invalid (expected a term after "(" at 11 in the alias) at 8',
    );
    expect(error.cause).toBeInstanceOf(QuerySyntaxError);
  });

  it('rejects aliases that refer to themselves', () => {
    // Act
    const error = syntaxErrorOf(() => compileQuery('x @a', { a: 'y @b', b: 'z @a' }));

    // Assess
    expect(error.position).toBe(2);
    expect(error.message).toContain('alias "@a" refers to itself');
  });
});

describe('evaluation', () => {
  it('matches whole words only', () => {
    // Act & Assess
    expect(run('iran', 'Iranian officials').matched).toBe(false);
    expect(run('iran', 'Officials in Iran.').matched).toBe(true);
  });

  it('matches a prefix at the start of a word only', () => {
    // Act & Assess
    expect(run('иран*', 'переговоры с Ираном').matched).toBe(true);
    expect(run('ran*', 'Iran').matched).toBe(false);
  });

  it('matches a phrase only as consecutive words', () => {
    // Act & Assess
    expect(run('"north korea"', 'talks with North Korea').matched).toBe(true);
    expect(run('"north korea"', 'north of Korea').matched).toBe(false);
    expect(run('"north korea"', 'Korea, north').matched).toBe(false);
  });

  it('matches a phrase with wildcards against inflected words', () => {
    // Act
    const result = run(
      '"стратегическ* партнерств*"',
      'Договор о всеобъемлющем стратегическом партнёрстве',
    );

    // Assess
    expect(result.matched).toBe(true);
  });

  it('matches a hyphenated term whatever dash or space separates its parts', () => {
    // Act & Assess
    expect(run('rasht-astara', 'the Rasht–Astara railway').matched).toBe(true);
    expect(run('rasht-astara', 'the Rasht Astara railway').matched).toBe(true);
    expect(run('rasht-astara', 'Rasht and Astara').matched).toBe(false);
  });

  it('matches a ZWNJ compound written joined, with a ZWNJ or with a space', () => {
    // Prepare
    const query = 'غنی\u200cسازی';

    // Act & Assess
    expect(run(query, 'غنی\u200cسازی اورانیوم').matched).toBe(true);
    expect(run(query, 'غنیسازی اورانیوم').matched).toBe(true);
    expect(run(query, 'غنی سازی اورانیوم').matched).toBe(true);
    expect(run(query, 'غنی اورانیوم').matched).toBe(false);
  });

  it('matches Arabic code points in the text against Persian ones in the query', () => {
    // Act
    const result = run('روسیه AND ایران', 'روسيه و ايران');

    // Assess
    expect(result.matched).toBe(true);
  });

  it('excludes with NOT and never reports the excluded terms', () => {
    // Act
    const withKorea = run('treaty -"north korea"', 'Treaty with North Korea');
    const withoutKorea = run('treaty NOT (korea OR pyongyang)', 'Treaty with Iran');

    // Assess
    expect(withKorea).toEqual({ matched: false, terms: [] });
    expect(withoutKorea).toEqual({ matched: true, terms: ['treaty'] });
  });

  it('reports the matched terms as written, once each, in query order', () => {
    // Prepare
    const aliases = { russia: 'Russia* OR Moscow', iran: 'Iran* OR Tehran' };

    // Act
    const result = run(
      '@russia AND @iran AND (Gazprom* OR "gas hub" OR oil)',
      'Gazprom and Iran discuss a gas hub; Russia, Iran and Gazprom agree. Moscow welcomes it.',
      aliases,
    );

    // Assess
    expect(result).toEqual({
      matched: true,
      terms: ['Russia*', 'Moscow', 'Iran*', 'Gazprom*', 'gas hub'],
    });
  });

  it('does not report the terms of an AND branch that failed', () => {
    // Act
    const result = run('(gas AND pipeline) OR oil', 'gas and oil');

    // Assess
    expect(result).toEqual({ matched: true, terms: ['oil'] });
  });

  it('treats regular-expression characters in a query as plain separators', () => {
    // Act
    const result = run('"(a+)+$" OR iran.*', 'a a Iranian');

    // Assess
    expect(result).toEqual({ matched: true, terms: ['(a+)+$', 'iran.*'] });
  });
});

describe('MatchableText', () => {
  it('finds the positions of a token and of a prefix, in ascending order', () => {
    // Prepare
    const text = MatchableText.from('Iran and Iranian officials met in Iran');

    // Act & Assess
    expect(text.positionsOf('iran')).toEqual([0, 6]);
    expect(text.positionsWithPrefix('iran')).toEqual([0, 2, 6]);
    expect(text.positionsOf('russia')).toEqual([]);
    expect(text.has('officials')).toBe(true);
  });
});

describe('NEAR, field scopes and stems', () => {
  it.each([
    ['binds NEAR tighter than AND', 'a NEAR/3 b c', '(and (near/3 a b) c)'],
    ['binds NEAR tighter than NOT', 'NOT a NEAR/3 b', '(not (near/3 a b))'],
    [
      'takes OR groups and phrases as NEAR operands',
      '(a OR b) NEAR/5 "c d"',
      '(near/5 (or a b) "c d")',
    ],
    ['scopes a term to the title', 'title:a b', '(and title:a b)'],
    ['scopes a group to the summary', 'summary:(a OR b)', 'summary:(or a b)'],
    ['scopes a phrase', 'title:"a b"', 'title:"a b"'],
  ])('%s', (_name, query, expected) => {
    expect(parse(query)).toBe(expected);
  });

  it.each([
    ['a NEAR b', 2, 'NEAR needs a distance from 1 to 50 words, as in NEAR/5'],
    ['a NEAR/0 b', 2, 'NEAR needs a distance from 1 to 50 words, as in NEAR/5'],
    ['a NEAR/51 b', 2, 'NEAR needs a distance from 1 to 50 words, as in NEAR/5'],
    ['a NEAR/3 b NEAR/3 c', 11, 'NEAR joins two operands; group a chain with parentheses and AND'],
    [
      '(a AND b) NEAR/3 c',
      1,
      'NEAR works on terms, phrases, wildcards and OR groups or aliases of those',
    ],
    ['a NEAR/3 -b', 9, 'unexpected "-"'],
    ['author:putin', 0, 'unknown field "author:" (fields: title, summary)'],
    ['title: iran', 0, 'expected a term right after "title:"'],
  ])('rejects %s at %i', (query, position, reason) => {
    const error = syntaxErrorOf(() => compileQuery(query));

    expect(error.reason).toBe(reason);
    expect(error.position).toBe(position);
  });

  it('refuses a query over the length and size limits', () => {
    expect(syntaxErrorOf(() => compileQuery('a '.repeat(10_001))).reason).toMatch(/longer than/);
    expect(syntaxErrorOf(() => compileQuery('a '.repeat(5_001))).reason).toMatch(
      /more than 5000 terms/,
    );
  });

  it('matches NEAR in either order within the distance, and not across fields', () => {
    const text = MatchableText.fromArticle({
      title: 'Russia talks',
      summary: 'Gas deliveries from Russia to Iran begin via Azerbaijan',
    });
    const near = (query: string) => compileQuery(query).evaluate(text).matched;

    expect(near('iran NEAR/1 russia')).toBe(true);
    // Four words stand between "Gas" and "Iran".
    expect(near('gas NEAR/4 iran')).toBe(true);
    expect(near('gas NEAR/3 iran')).toBe(false);
    expect(near('talks NEAR/1 gas')).toBe(false);
  });

  it('scopes a term to the title or the summary', () => {
    const text = MatchableText.fromArticle({
      title: 'Duma ratifies treaty',
      summary: 'Iran welcomed it',
    });
    const matches = (query: string) => compileQuery(query).evaluate(text).matched;

    expect(matches('title:treaty')).toBe(true);
    expect(matches('title:iran')).toBe(false);
    expect(matches('summary:iran')).toBe(true);
    expect(matches('summary:(treaty OR duma)')).toBe(false);
  });

  it('matches inflected forms through stems and wildcards through surface forms', () => {
    expect(run('ratified', 'the ratification of the treaty').matched).toBe(true);
    expect(run('Ирана', 'переговоры с Ираном').matched).toBe(true);
    expect(run('договор', 'договоренность о газе').matched).toBe(false);
    expect(run('قرارداد', 'قراردادهای گازی').matched).toBe(true);
    expect(run('ratif*', 'ratification').terms).toEqual(['ratif*']);
  });

  it('reports the terms on both sides of a NEAR', () => {
    expect(run('(gas OR oil) NEAR/2 iran', 'gas to iran').terms).toEqual(['gas', 'iran']);
  });
});
