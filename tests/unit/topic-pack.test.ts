import { describe, expect, it } from 'vitest';
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
      'topics[0].query: alias "@iran" is invalid (expected a term after OR at 8 in the alias) at 8',
      'topics[1].query: alias "@iran" is invalid (expected a term after OR at 8 in the alias) at 8',
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
