import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evaluate,
  formatEvaluationTable,
  parseLabelledItems,
} from '../../functions/core/evaluation/evaluate';
import { QueryCompiler } from '../../functions/core/matching/query';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import {
  loadDefaultTopicPack,
  parseTopicPack,
  TopicPackError,
} from '../../functions/core/matching/topic-pack';

const TRACKED_TOPIC_IDS = [
  'agreement-status',
  'energy',
  'nuclear-energy',
  'nuclear-diplomacy',
  'transport-corridor',
  'finance-trade',
  'defense-military',
  'cyber-tech-space',
  'caspian-environment',
  'security-crime',
  'multilateral',
  'trust-tensions',
];

const validPack = (energyQuery = '@russia @iran gas', tradeQuery = '@russia @iran trade') => ({
  version: 1,
  aliases: { russia: 'russia* OR moscow', iran: 'iran* OR tehran' },
  topics: [
    { id: 'energy', name: 'Energy', description: 'Oil and gas', query: energyQuery },
    { id: 'trade', name: 'Trade', description: 'Trade', query: tradeQuery },
  ],
});

function packErrorOf(json: unknown): TopicPackError {
  try {
    parseTopicPack(json);
  } catch (error) {
    if (error instanceof TopicPackError) return error;
    throw error;
  }
  throw new Error('expected a TopicPackError');
}

describe('the default topic pack', () => {
  it('validates and holds the twelve tracked topics, in order', () => {
    // Act
    const pack = loadDefaultTopicPack();

    // Assess
    expect(pack.version).toBe(1);
    expect(pack.topics.map((topic) => topic.id)).toEqual(TRACKED_TOPIC_IDS);
    for (const topic of pack.topics) {
      expect(topic.name.length).toBeGreaterThan(0);
      expect(topic.description.length).toBeGreaterThan(0);
    }
  });

  it('compiles every query', () => {
    // Prepare
    const pack = loadDefaultTopicPack();

    // Act & Assess
    expect(() => compileTopics(pack.topics, pack.aliases)).not.toThrow();
  });

  it('requires both countries in every topic', () => {
    // Prepare
    const pack = loadDefaultTopicPack();
    const compiler = new QueryCompiler(pack.aliases);

    for (const topic of pack.topics) {
      // Act
      const root = compiler.parse(topic.query);

      // Assess: a top-level AND with @russia and @iran among its operands
      expect(root.kind, topic.id).toBe('and');
      const aliases =
        root.kind === 'and'
          ? root.children.flatMap((child) => (child.kind === 'alias' ? [child.name] : []))
          : [];
      expect(aliases, topic.id).toEqual(expect.arrayContaining(['russia', 'iran']));
    }
  });

  it('returns a fresh copy each time, so one caller cannot change it for another', () => {
    // Prepare
    const first = loadDefaultTopicPack();

    // Act
    first.topics.pop();
    first.aliases.russia = 'nothing';

    // Assess
    const second = loadDefaultTopicPack();
    expect(second.topics).toHaveLength(12);
    expect(second.aliases.russia).not.toBe('nothing');
  });
});

describe('parseTopicPack', () => {
  it('accepts a valid pack', () => {
    // Act
    const pack = parseTopicPack(validPack());

    // Assess
    expect(pack).toEqual(validPack());
  });

  it.each([
    [
      'a wrong version',
      (pack: Record<string, unknown>) => ({ ...pack, version: 2 }),
      /^ {2}- version: /m,
    ],
    [
      'a missing query',
      (pack: ReturnType<typeof validPack>) => ({
        ...pack,
        topics: [{ id: 'energy', name: 'Energy', description: 'Oil' }],
      }),
      /^ {2}- topics\[0\]\.query: /m,
    ],
    [
      'a misspelt field',
      (pack: ReturnType<typeof validPack>) => ({
        ...pack,
        topics: [{ id: 'energy', name: 'Energy', description: 'Oil', query: 'gas', querry: 'oil' }],
      }),
      /^ {2}- topics\[0\]: .*querry/m,
    ],
    [
      'a topic id that is not a slug',
      (pack: ReturnType<typeof validPack>) => ({
        ...pack,
        topics: [{ id: 'Energy Topic', name: 'Energy', description: 'Oil', query: 'gas' }],
      }),
      /^ {2}- topics\[0\]\.id: must be lower-case letters and digits joined by "-"$/m,
    ],
    [
      'no topics',
      (pack: ReturnType<typeof validPack>) => ({ ...pack, topics: [] }),
      /^ {2}- topics: /m,
    ],
  ])('rejects %s, naming the field', (_name, edit, expected) => {
    // Act
    const error = packErrorOf(edit(validPack()));

    // Assess
    expect(error.message).toMatch(/^invalid topic pack:\n/);
    expect(error.message).toMatch(expected);
  });

  it('rejects a duplicate topic id', () => {
    // Prepare
    const pack = validPack();
    pack.topics.push({ id: 'energy', name: 'Energy again', description: 'Gas', query: 'gas' });

    // Act
    const error = packErrorOf(pack);

    // Assess
    expect(error.issues).toEqual(['topics[2].id: duplicate topic id "energy"']);
  });

  it('rejects a bad query, naming the topic field and the position in the query', () => {
    // Prepare
    const pack = validPack(undefined, '@russia (trade OR wheat))');

    // Act
    const error = packErrorOf(pack);

    // Assess
    expect(error.issues).toEqual(['topics[1].query: unexpected ")" at 24']);
  });

  it('rejects a bad alias once, at the alias, and at each topic that uses it', () => {
    // Prepare
    const pack = validPack();
    pack.aliases.iran = 'iran* OR';

    // Act
    const error = packErrorOf(pack);

    // Assess
    expect(error.issues).toEqual([
      'aliases.iran: expected a term after OR at 8',
      'topics[0].query: uses the invalid alias "@iran" at 8',
      'topics[1].query: uses the invalid alias "@iran" at 8',
    ]);
  });

  it('rejects a query that uses an unknown alias', () => {
    // Prepare
    const pack = validPack('@russia @china gas');

    // Act
    const error = packErrorOf(pack);

    // Assess
    expect(error.issues).toEqual(['topics[0].query: unknown alias "@china" at 8']);
  });

  it('rejects a NOT-only topic query', () => {
    // Prepare
    const pack = validPack('NOT @russia');

    // Act
    const error = packErrorOf(pack);

    // Assess
    expect(error.issues).toEqual([
      'topics[0].query: NOT alone would match every article; combine it with a term at 0',
    ]);
  });

  it('rejects something that is not a pack at all', () => {
    // Act
    const error = packErrorOf('not a pack');

    // Assess
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^\(pack\): /);
  });
});

describe('parseTopicPack with arrays', () => {
  const packWith = (aliases: Record<string, unknown>, query: unknown = '@russia @iran gas') => ({
    version: 1,
    aliases,
    topics: [{ id: 'energy', name: 'Energy', description: 'Oil and gas', query }],
  });

  it('joins an alias written as an array with OR, and keeps a plain string as it is', () => {
    // Act
    const pack = parseTopicPack(
      packWith({ russia: ['russia*', 'moscow', '"russian federation"'], iran: 'iran* OR tehran' }),
    );

    // Assess
    expect(pack.aliases).toEqual({
      russia: 'russia* OR moscow OR "russian federation"',
      iran: 'iran* OR tehran',
    });
  });

  it('joins a topic query written as an array with OR', () => {
    // Act
    const pack = parseTopicPack(
      packWith({ russia: 'russia', iran: 'iran' }, ['@russia @iran gas', '@russia @iran oil']),
    );

    // Assess
    expect(pack.topics[0]?.query).toBe('@russia @iran gas OR @russia @iran oil');
  });

  it('keeps each entry whole: an entry with AND is one alternative of the OR', () => {
    // Prepare
    const pack = parseTopicPack(
      packWith({ russia: 'russia', iran: 'iran', fuel: ['gas AND pipeline', 'lng'] }, [
        '@russia @iran @fuel',
      ]),
    );
    const matcher = compileTopics(pack.topics, pack.aliases);
    const topicsOf = (summary: string) =>
      matcher.match({ title: '', summary, language: 'en' }).map((match) => match.topicId);

    // Act & Assess
    expect(topicsOf('Russia and Iran discuss gas prices')).toEqual([]);
    expect(topicsOf('Russia and Iran discuss a gas pipeline')).toEqual(['energy']);
    expect(topicsOf('Russia ships LNG to Iran')).toEqual(['energy']);
  });

  it.each([
    [
      'a bad entry, at the entry and the position inside it',
      { russia: ['russia*', 'moscow OR'], iran: 'iran' },
      [
        'aliases.russia[1]: expected a term after OR at 9',
        'topics[0].query: uses the invalid alias "@russia" at 0',
      ],
    ],
    [
      'a wildcard too short, at its entry',
      { russia: ['russia', 'ru*'], iran: 'iran' },
      [
        'aliases.russia[1]: a wildcard needs at least 3 letters before "*" in "ru*" at 0',
        'topics[0].query: uses the invalid alias "@russia" at 0',
      ],
    ],
    [
      'an unknown alias in an entry',
      { russia: ['russia', '@nowhere'], iran: 'iran' },
      [
        'aliases.russia[1]: unknown alias "@nowhere" at 0',
        'topics[0].query: uses the invalid alias "@russia" at 0',
      ],
    ],
    [
      'an empty entry',
      { russia: ['russia', ''], iran: 'iran' },
      [
        'aliases.russia[1]: must not be empty',
        'topics[0].query: uses the invalid alias "@russia" at 0',
      ],
    ],
    [
      'an empty array',
      { russia: [], iran: 'iran' },
      [
        'aliases.russia: an array must hold at least one entry',
        'topics[0].query: uses the invalid alias "@russia" at 0',
      ],
    ],
    [
      'an entry that is not a string',
      { russia: ['russia', 5], iran: 'iran' },
      ['aliases.russia: must be a query string or an array of query strings'],
    ],
    [
      'an alias that uses an invalid one, naming the alias it goes through',
      { russia: ['russia', '@country'], country: ['(moscow'], iran: 'iran' },
      [
        'aliases.country[0]: unclosed "(" at 0',
        'aliases.russia[1]: uses the invalid alias "@country" at 0',
        'topics[0].query: uses the invalid alias "@country" through "@russia" at 0',
      ],
    ],
    [
      'entries that are short but too long together, at the alias',
      { russia: Array.from({ length: 3_000 }, (_, index) => `word${index}`), iran: 'iran' },
      [
        'aliases.russia: query longer than 20000 characters at 20000',
        'topics[0].query: uses the invalid alias "@russia" at 0',
      ],
    ],
  ])('rejects %s', (_name, aliases, expected) => {
    // Act
    const error = packErrorOf(packWith(aliases));

    // Assess
    expect(error.issues).toEqual(expected);
  });

  it('rejects a NOT-only entry of a topic query array, at the entry', () => {
    // Act
    const error = packErrorOf(
      packWith({ russia: 'russia', iran: 'iran' }, ['@russia @iran gas', 'NOT oil']),
    );

    // Assess
    expect(error.issues).toEqual([
      'topics[0].query[1]: NOT alone would match every article; combine it with a term at 0',
    ]);
  });
});

describe('the default topic pack on the self-written check sets', () => {
  const pack = loadDefaultTopicPack();
  const matcher = compileTopics(pack.topics, pack.aliases);
  const topicIds = pack.topics.map((topic) => topic.id);
  const reportOn = (file: string) => {
    const fixture = path.resolve(import.meta.dirname, '../fixtures/topics', file);
    const report = evaluate(parseLabelledItems(readFileSync(fixture, 'utf8')), matcher, topicIds);
    console.log(`\n${file}\n${formatEvaluationTable(report)}\n`);
    return report;
  };

  // self-check.jsonl: 187 items written from tracked-topics.md and 2025 reporting, before the
  // pack was tuned on them; the pack as it was then scores micro F1 0.923 and gives 6 topic-less
  // items a topic (0.919 and 7 before two drone items were relabelled to the convention of
  // topic-matcher.test.ts: Iranian-designed drones made in Russia are defense-military).
  // Measured when these thresholds were set: micro P 0.993, R 0.986, F1 0.990; every topic P ≥ 0.93
  // and F1 ≥ 0.95; one topic-less item with a topic. The thresholds sit a little below, to catch a
  // regression of a few decisions rather than to restate the measurement.
  describe('self-check.jsonl', () => {
    const report = reportOn('self-check.jsonl');

    it('scores at least 120 items', () => {
      expect(report.items).toBeGreaterThanOrEqual(120);
    });

    it('keeps micro precision and recall at or above 0.96 and F1 at or above 0.97', () => {
      expect(report.micro.precision).toBeGreaterThanOrEqual(0.96);
      expect(report.micro.recall).toBeGreaterThanOrEqual(0.96);
      expect(report.micro.f1).toBeGreaterThanOrEqual(0.97);
    });

    it.each(topicIds)('keeps %s at precision ≥ 0.9 and F1 ≥ 0.9', (topicId) => {
      const scores = report.topics[topicId];
      expect(scores?.support).toBeGreaterThanOrEqual(8);
      expect(scores?.precision).toBeGreaterThanOrEqual(0.9);
      expect(scores?.f1).toBeGreaterThanOrEqual(0.9);
    });

    it('gives at most two topic-less items a topic', () => {
      expect(report.falsePositivesOnNegatives).toBeLessThanOrEqual(2);
    });
  });

  // second-check.jsonl: 65 items written after the first round of tuning and measured before the
  // second (micro F1 0.936, 3 false positives on negatives, one of them since relabelled as above). Measured when these thresholds were
  // set: micro P 1.0, R 0.957, F1 0.978, no false positive on negatives. Too small per topic.
  describe('second-check.jsonl', () => {
    const report = reportOn('second-check.jsonl');

    it('keeps micro precision at or above 0.95, recall at or above 0.93 and F1 at or above 0.95', () => {
      expect(report.micro.precision).toBeGreaterThanOrEqual(0.95);
      expect(report.micro.recall).toBeGreaterThanOrEqual(0.93);
      expect(report.micro.f1).toBeGreaterThanOrEqual(0.95);
    });

    it('gives at most one topic-less item a topic', () => {
      expect(report.falsePositivesOnNegatives).toBeLessThanOrEqual(1);
    });
  });
});
