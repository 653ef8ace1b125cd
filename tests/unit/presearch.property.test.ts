/**
 * The presearch index must never lose a match: on random queries (every operator of the
 * language, aliases, scopes) and random articles in three scripts, the indexed matcher returns
 * exactly what evaluating every topic returns, terms included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileQuery, QuerySyntaxError } from '../../functions/core/matching/query';
import { compileTopics } from '../../functions/core/matching/topic-matcher';

// Words in three scripts, with inflected forms that stem together and near-misses that do not.
const WORDS = [
  'iran',
  'iranian',
  'russia',
  'russian',
  'ratified',
  'ratification',
  'gas',
  'pipeline',
  'иран',
  'ирана',
  'ираном',
  'россия',
  'россии',
  'договор',
  'договоренность',
  'газ',
  'ایران',
  'ایرانی',
  'روسیه',
  'قرارداد',
  'قراردادها',
  'گاز',
];
const PREFIXES = ['iran*', 'russ*', 'ratif*', 'ира*', 'росс*', 'догов*', 'ایرا*', 'قرار*'];

const word = fc.constantFrom(...WORDS);
const leaf = fc.oneof(
  word,
  fc.constantFrom(...PREFIXES),
  fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"`),
  fc.constantFrom('@countries', '@deal'),
);
const positional = fc.oneof(
  word,
  fc.constantFrom(...PREFIXES),
  fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"`),
  fc.tuple(word, word).map(([a, b]) => `(${a} OR ${b})`),
);

const { query } = fc.letrec<{ query: string }>((tie) => ({
  query: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(positional, fc.integer({ min: 1, max: 4 }), positional)
      .map(([a, n, b]) => `${a} NEAR/${n} ${b}`),
    fc
      .tuple(fc.constantFrom('title', 'summary'), leaf)
      .map(([field, inner]) => `${field}:${inner}`),
    fc.tuple(tie('query'), tie('query')).map(([a, b]) => `(${a} AND ${b})`),
    fc.tuple(tie('query'), tie('query')).map(([a, b]) => `(${a} OR ${b})`),
    fc.tuple(tie('query'), tie('query')).map(([a, b]) => `(${a} AND NOT ${b})`),
    fc.tuple(tie('query'), tie('query'), tie('query')).map(([a, b, c]) => `${a} ${b} -${c}`),
  ),
}));

const aliases = { countries: 'iran* OR россия OR روسیه', deal: '"ratified договор" OR قرارداد' };

/** A query the compiler accepts: random NOT-only combinations are replaced by a plain term. */
const validQuery = query.map((text) => {
  try {
    compileQuery(text, aliases);
    return text;
  } catch (error) {
    if (error instanceof QuerySyntaxError) return 'iran';
    throw error;
  }
});

const text = fc.array(word, { minLength: 0, maxLength: 14 }).map((words) => words.join(' '));
const article = fc.record({ title: text, summary: text, language: fc.constant('en' as const) });

describe('presearch index', () => {
  it('returns exactly what evaluating every topic returns', () => {
    fc.assert(
      fc.property(
        fc.array(validQuery, { minLength: 1, maxLength: 12 }),
        fc.array(article, { minLength: 1, maxLength: 6 }),
        (queries, articles) => {
          // Prepare
          const topics = queries.map((text, index) => ({
            id: `t${index}`,
            name: `t${index}`,
            description: '',
            query: text,
          }));
          const indexed = compileTopics(topics, aliases);
          const naive = compileTopics(topics, aliases, { strategy: 'naive' });

          // Act / Assess
          for (const item of articles) {
            expect(indexed.match(item)).toEqual(naive.match(item));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('evaluates fewer topics than there are when the article lacks their anchors', () => {
    const topics = ['gas pipeline', 'russia NEAR/3 ratified', 'title:договор', 'قرارداد ایران'].map(
      (text, index) => ({ id: `t${index}`, name: '', description: '', query: text }),
    );
    const indexed = compileTopics(topics, {});

    const matches = indexed.match({
      title: 'Gas news',
      summary: 'A pipeline to Iran',
      language: 'en',
    });

    expect(matches.map((match) => match.topicId)).toEqual(['t0']);
    expect(indexed.lastCandidates).toBe(1);
  });
});
