import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Language } from '../../functions/core/model';
import {
  bottomKSketch,
  EMPTY_SLOT,
  estimateJaccard,
  estimateJaccardFromSketches,
  MinHash,
} from '../../functions/core/stories/min-hash';
import {
  compileStoryConcepts,
  exclusiveMarkers,
  markersConflict,
  nameSkeleton,
  StoryConceptsError,
  storyFeatures,
} from '../../functions/core/stories/story-concepts';
import {
  foldLink,
  isSameStory,
  SAME_STORY_CONCEPTS,
  STORY_WINDOW_HOURS,
  similarity,
  storyFingerprint,
  urlKeyFor,
} from '../../functions/core/stories/story-fingerprint';

interface Text {
  title: string;
  summary: string;
  language: Language;
}

const fingerprintOf = (text: Text, topicIds: string[] = [], link = '') =>
  storyFingerprint({ ...text, link, topicIds });

const conceptsOf = (text: string, language: Language): string[] =>
  [...storyFeatures({ title: text, summary: '', language }).keys()].filter((key) =>
    key.startsWith('concept:'),
  );

// One development, told by three outlets in three languages.
const dumaEnglish: Text = {
  language: 'en',
  title: 'Russian lawmakers ratify strategic partnership treaty with Iran',
  summary:
    'The State Duma voted to ratify the comprehensive strategic partnership treaty that ' +
    'Vladimir Putin and Masoud Pezeshkian signed in Moscow in January. Deputy Foreign Minister ' +
    'Andrei Rudenko told deputies the 20-year treaty is not a military alliance.',
};
const dumaRussian: Text = {
  language: 'ru',
  title: 'Госдума ратифицировала договор о всеобъемлющем стратегическом партнерстве с Ираном',
  summary:
    'Депутаты Государственной думы ратифицировали договор о всеобъемлющем стратегическом ' +
    'партнерстве между Россией и Ираном, подписанный Владимиром Путиным и Масудом Пезешкианом в ' +
    'январе в Москве. Замглавы МИД Андрей Руденко заявил, что договор на 20 лет не создает ' +
    'военного союза.',
};
const dumaPersian: Text = {
  language: 'fa',
  title: 'دومای روسیه معاهده مشارکت راهبردی جامع با ایران را تصویب کرد',
  summary:
    'نمایندگان دومای دولتی روسیه معاهده مشارکت راهبردی جامع ایران و روسیه را که پوتین و ' +
    'پزشکیان در ژانویه در مسکو امضا کردند تصویب کردند. رودنکو معاون وزیر خارجه روسیه گفت این ' +
    'معاهده ۲۰ ساله یک اتحاد نظامی نیست.',
};
// The next development of the same affair: Iran's parliament, not Russia's.
const majlisEnglish: Text = {
  language: 'en',
  title: "Iran's parliament approves strategic partnership treaty with Russia",
  summary:
    'Lawmakers in the Majlis approved the comprehensive strategic partnership treaty with Russia ' +
    'by a large majority, sending it to the Guardian Council. The head of the national security ' +
    "committee said the treaty strengthens Iran's Look East policy.",
};
// Two different drills: a Caspian rescue exercise (in two languages) and an Indian Ocean one.
const caspianDrillEnglish: Text = {
  language: 'en',
  title: 'Iran and Russia hold joint search-and-rescue drill in the Caspian Sea',
  summary:
    "Warships of Russia's Caspian Flotilla and the Iranian navy practised rescuing a vessel in " +
    'distress off Anzali during the CASAREX exercise, the Russian Defence Ministry said.',
};
const caspianDrillRussian: Text = {
  language: 'ru',
  title: 'Корабли Каспийской флотилии и ВМС Ирана провели совместные учения по спасению',
  summary:
    'Корабли Каспийской флотилии ВМФ России и военно-морских сил Ирана отработали помощь судну, ' +
    'терпящему бедствие, у порта Энзели в ходе учений CASAREX, сообщили в Минобороны РФ.',
};
const oceanDrillEnglish: Text = {
  language: 'en',
  title: 'Iran, Russia and China begin naval drill in the Indian Ocean',
  summary:
    'The Maritime Security Belt exercise brings together Iranian, Russian and Chinese warships ' +
    'near Chabahar to practise protecting shipping and fighting piracy, the Iranian navy said.',
};

describe('foldLink and urlKeyFor', () => {
  const page = 'https://www.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty';

  it.each([
    [
      'an AMP path suffix',
      'https://www.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty/amp',
    ],
    [
      'an AMP path segment',
      'https://www.tasnimnews.com/amp/en/news/2025/04/08/3281/duma-ratifies-treaty',
    ],
    [
      'an AMP parameter',
      'https://www.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty?amp=1',
    ],
    ['an AMP host', 'https://amp.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty'],
    ['a mobile host', 'https://m.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty'],
    [
      'a mobile. host',
      'https://mobile.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty',
    ],
    ['no www.', 'https://tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty'],
    [
      'a trailing slash',
      'https://www.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty/',
    ],
    ['http', 'http://www.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty'],
    ['utm parameters', `${page}?utm_source=telegram&utm_medium=social`],
    ['a fragment', `${page}#comments`],
    [
      'an index file',
      'https://www.tasnimnews.com/en/news/2025/04/08/3281/duma-ratifies-treaty/index.html',
    ],
  ])('gives the same key to a link with %s', (_variant, link) => {
    // Prepare
    const expected = urlKeyFor(page);

    // Act
    const key = urlKeyFor(link);

    // Assess
    expect(key).toBeDefined();
    expect(key).toBe(expected);
  });

  it('keeps the parameters that select a page, in any order', () => {
    // Act
    const folded = foldLink('https://example.com/news.php?lang=fa&id=42');

    // Assess
    expect(folded).toBe('example.com/news.php?id=42&lang=fa');
    expect(urlKeyFor('https://example.com/news.php?id=42&lang=fa')).toBe(
      urlKeyFor('https://example.com/news.php?lang=fa&id=42'),
    );
    expect(urlKeyFor('https://example.com/news.php?id=43&lang=fa')).not.toBe(
      urlKeyFor('https://example.com/news.php?id=42&lang=fa'),
    );
  });

  it('keeps different pages of one site apart', () => {
    // Assess
    expect(urlKeyFor('https://www.irna.ir/news/85001')).not.toBe(
      urlKeyFor('https://www.irna.ir/news/85002'),
    );
    expect(urlKeyFor('https://irna.ir/news/85001')).not.toBe(
      urlKeyFor('https://mehrnews.com/news/85001'),
    );
  });

  it('gives no key to a missing or non-web link', () => {
    // Assess
    expect(urlKeyFor('')).toBeUndefined();
    expect(urlKeyFor('ftp://example.com/file')).toBeUndefined();
    expect(urlKeyFor('not a link')).toBeUndefined();
  });
});

describe('MinHash', () => {
  // Sets with a known Jaccard similarity: `shared` elements in both, the rest in one only.
  const setsWithOverlap = fc
    .record({
      shared: fc.integer({ min: 0, max: 300 }),
      onlyA: fc.integer({ min: 0, max: 300 }),
      onlyB: fc.integer({ min: 0, max: 300 }),
      salt: fc.string({ maxLength: 6 }),
    })
    .filter(({ shared, onlyA, onlyB }) => shared + onlyA + onlyB > 0)
    .map(({ shared, onlyA, onlyB, salt }) => {
      const range = (prefix: string, count: number): string[] =>
        Array.from({ length: count }, (_, index) => `${salt}${prefix}${index}`);
      const both = range('s', shared);
      return {
        a: [...both, ...range('a', onlyA)],
        b: [...both, ...range('b', onlyB)],
        jaccard: shared / (shared + onlyA + onlyB),
      };
    });

  it('estimates the Jaccard similarity of constructed sets within 0.15', () => {
    // Prepare: 256 positions give a standard error of at most 0.031; 0.15 is about five of them.
    const minHash = new MinHash(256, 7);

    // Act / Assess
    fc.assert(
      fc.property(setsWithOverlap, ({ a, b, jaccard }) => {
        const estimate = estimateJaccard(minHash.signature(a), minHash.signature(b));
        expect(Math.abs(estimate - jaccard)).toBeLessThanOrEqual(0.15);
      }),
      { numRuns: 60 },
    );
  });

  it('gives a bottom-k sketch the exact similarity while the union fits it', () => {
    // Act / Assess
    fc.assert(
      fc.property(
        setsWithOverlap.filter(({ a, b }) => new Set([...a, ...b]).size <= 128),
        ({ a, b, jaccard }) => {
          const estimate = estimateJaccardFromSketches(
            bottomKSketch(a, 128, 3),
            bottomKSketch(b, 128, 3),
          );
          expect(estimate).toBeCloseTo(jaccard, 10);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('estimates from bottom-k sketches within 0.2 when the sets outgrow them', () => {
    // Act / Assess
    fc.assert(
      fc.property(
        setsWithOverlap.filter(({ a, b }) => new Set([...a, ...b]).size > 128),
        ({ a, b, jaccard }) => {
          const estimate = estimateJaccardFromSketches(
            bottomKSketch(a, 128, 3),
            bottomKSketch(b, 128, 3),
          );
          expect(Math.abs(estimate - jaccard)).toBeLessThanOrEqual(0.2);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives the same signature for the same set and seed, in any order', () => {
    // Prepare
    const elements = ['duma', 'ratify', 'iran', 'russia'];

    // Act
    const first = new MinHash(16, 11).signature(elements);
    const again = new MinHash(16, 11).signature([...elements].reverse());
    const otherSeed = new MinHash(16, 12).signature(elements);

    // Assess
    expect(again).toEqual(first);
    expect(otherSeed).not.toEqual(first);
  });

  it('never finds an empty set similar to anything', () => {
    // Prepare
    const empty = new MinHash(8, 1).signature([]);

    // Assess
    expect(empty).toEqual(new Array(8).fill(EMPTY_SLOT));
    expect(estimateJaccard(empty, empty)).toBe(0);
    expect(estimateJaccardFromSketches(bottomKSketch([], 8, 1), bottomKSketch([], 8, 1))).toBe(0);
  });
});

describe('story concepts', () => {
  it.each([
    ['en', 'The State Duma ratified the treaty'],
    ['ru', 'Госдума ратифицировала договор'],
    ['fa', 'دومای روسیه معاهده را تصویب کرد'],
  ] as const)(
    'maps a %s report of a Duma ratification to duma, ratify and agreement',
    (language, text) => {
      // Act
      const concepts = conceptsOf(text, language);

      // Assess
      expect(concepts).toEqual(
        expect.arrayContaining(['concept:duma', 'concept:ratify', 'concept:agreement']),
      );
    },
  );

  it.each([
    ['en', 'Gazprom to supply gas to Iran via Azerbaijan'],
    ['ru', 'Газпром поставит газ в Иран через Азербайджан'],
    ['fa', 'گازپروم گاز ایران را از مسیر آذربایجان تأمین می‌کند'],
  ] as const)(
    'maps a %s report of Gazprom gas via Azerbaijan to the same concepts',
    (language, text) => {
      // Act
      const concepts = conceptsOf(text, language);

      // Assess
      expect(concepts).toEqual(
        expect.arrayContaining([
          'concept:gazprom',
          'concept:gas',
          'concept:iran',
          'concept:azerbaijan',
        ]),
      );
    },
  );

  it('reads "US" as the United States and "us" as a pronoun', () => {
    // Assess
    expect(conceptsOf('US and Iran to resume talks', 'en')).toContain('concept:united-states');
    expect(conceptsOf('Tell us about the talks', 'en')).not.toContain('concept:united-states');
  });

  it('gives a name the same skeleton in English and in any Russian case', () => {
    // Assess
    expect(nameSkeleton('rudenko')).toBe(nameSkeleton('руденко'));
    expect(nameSkeleton('likhachev')).toBe(nameSkeleton('лихачевым'));
    expect(nameSkeleton('behrouz')).toBe(nameSkeleton('бехруз'));
    expect(nameSkeleton('jo')).toBeUndefined();
  });

  it('counts proper nouns the lexicon does not know, in either script', () => {
    // Prepare
    const english = storyFeatures({
      title: 'Envoy meets officials',
      summary: 'The talks were led by Kazem Nurmagambetov in Moscow.',
      language: 'en',
    });
    const russian = storyFeatures({
      title: 'Посол провел встречу',
      summary: 'Переговоры вел Казем Нурмагамбетов в Москве.',
      language: 'ru',
    });

    // Assess
    const names = (features: Map<string, number>) =>
      [...features.keys()].filter((key) => key.startsWith('name:'));
    expect(names(english)).toEqual(names(russian));
    expect(names(english)).toHaveLength(1);
  });

  it('reads numbers as written in each language and skips small ones', () => {
    // Prepare
    const numbers = (text: string, language: Language) =>
      [...storyFeatures({ title: text, summary: '', language }).keys()].filter((key) =>
        key.startsWith('number:'),
      );

    // Assess
    expect(numbers('a 5,000-MW plant', 'en')).toEqual(['number:5000']);
    expect(numbers('АЭС на 5 000 МВт', 'ru')).toEqual(['number:5000']);
    expect(numbers('نیروگاه ۵٬۰۰۰ مگاواتی', 'fa')).toEqual(['number:5000']);
    expect(numbers('1.8 bcm', 'en')).toEqual(numbers('1,8 млрд кубометров', 'ru'));
    expect(numbers('3 days', 'en')).toEqual([]);
  });

  it('marks different rounds and seasons as conflicting, and shared ones as not', () => {
    // Prepare
    const markers = (text: string, language: Language) =>
      exclusiveMarkers(storyFeatures({ title: text, summary: '', language }));

    // Assess
    expect(
      markersConflict(markers('first round of talks', 'en'), markers('دور چهارم مذاکرات', 'fa')),
    ).toBe(true);
    expect(markersConflict(markers('launch in July', 'en'), markers('запуск осенью', 'ru'))).toBe(
      true,
    );
    expect(
      markersConflict(markers('first round of talks', 'en'), markers('первый раунд', 'ru')),
    ).toBe(false);
    expect(markersConflict(markers('talks resume', 'en'), markers('fourth round', 'en'))).toBe(
      false,
    );
  });

  it('rejects a lexicon with a concept listed twice or a bad id', () => {
    // Prepare
    const twice = {
      version: 1,
      groups: [
        { kind: 'a', weight: 1, concepts: { duma: ['duma'] } },
        { kind: 'b', weight: 1, concepts: { duma: ['госдума'] } },
      ],
    };
    const badId = { version: 1, groups: [{ kind: 'a', weight: 1, concepts: { Duma: ['duma'] } }] };

    // Assess
    expect(() => compileStoryConcepts(twice)).toThrow(StoryConceptsError);
    expect(() => compileStoryConcepts(badId)).toThrow(/Duma/);
  });
});

describe('similarity and isSameStory', () => {
  it('finds one development in English, Russian and Persian similar', () => {
    // Prepare
    const topics = ['agreement-status'];
    const [en, ru, fa] = [dumaEnglish, dumaRussian, dumaPersian].map((text) =>
      fingerprintOf(text, topics),
    );

    // Act
    const pairs = [
      [en, ru],
      [en, fa],
      [ru, fa],
    ].map(([a, b]) => similarity(a?.signature ?? [], b?.signature ?? []));

    // Assess
    for (const pair of pairs) expect(pair.concepts).toBeGreaterThanOrEqual(SAME_STORY_CONCEPTS);
    expect(isSameStory(en?.signature ?? [], ru?.signature ?? [], 2)).toBe(true);
    expect(isSameStory(en?.signature ?? [], fa?.signature ?? [], 2)).toBe(true);
  });

  it('keeps the Duma ratification apart from the Majlis approval', () => {
    // Prepare
    const topics = ['agreement-status'];
    const duma = [dumaEnglish, dumaRussian, dumaPersian].map((text) => fingerprintOf(text, topics));
    const majlis = fingerprintOf(majlisEnglish, topics);

    // Assess
    for (const copy of duma) expect(isSameStory(copy.signature, majlis.signature, 2)).toBe(false);
  });

  it('folds a Caspian drill across languages and keeps a different drill apart', () => {
    // Prepare
    const topics = ['caspian-environment', 'defense-military'];
    const english = fingerprintOf(caspianDrillEnglish, topics);
    const russian = fingerprintOf(caspianDrillRussian, topics);
    const ocean = fingerprintOf(oceanDrillEnglish, ['defense-military']);

    // Assess
    expect(isSameStory(english.signature, russian.signature, 1)).toBe(true);
    expect(isSameStory(english.signature, ocean.signature, 1)).toBe(false);
    expect(isSameStory(russian.signature, ocean.signature, 1)).toBe(false);
  });

  it('keeps the first and the fourth round of the same talks apart', () => {
    // Prepare
    const first = fingerprintOf({
      language: 'en',
      title: 'Araghchi and Witkoff hold first round of talks in Muscat',
      summary:
        'Iran and the US held the first round of indirect nuclear talks in Muscat, with Oman mediating.',
    });
    const fourth = fingerprintOf({
      language: 'en',
      title: 'Araghchi and Witkoff hold fourth round of talks in Muscat',
      summary:
        'Iran and the US held the fourth round of indirect nuclear talks in Muscat, with Oman mediating.',
    });

    // Assess
    expect(isSameStory(first.signature, fourth.signature, 1)).toBe(false);
  });

  it('folds a syndicated copy with a new headline by its text', () => {
    // Prepare: few concepts, the same body under another headline.
    const body =
      'Officials from both countries met on the sidelines of the forum and agreed to keep working ' +
      'on the document over the coming weeks before it is presented to the two governments.';
    const original = fingerprintOf({
      language: 'en',
      title: 'Officials meet at the forum',
      summary: body,
    });
    const copy = fingerprintOf({
      language: 'en',
      title: 'Talks on the document go on',
      summary: body,
    });

    // Act
    const { text } = similarity(original.signature, copy.signature);

    // Assess
    expect(text).toBeGreaterThanOrEqual(0.5);
    expect(isSameStory(original.signature, copy.signature, 1)).toBe(true);
  });

  it('does not fold different stories that share a boilerplate summary', () => {
    // Prepare
    const boilerplate =
      'Follow our live coverage of the region on our website and subscribe to the newsletter ' +
      'for daily updates from our correspondents.';
    const gas = fingerprintOf({
      language: 'en',
      title: 'Gazprom starts gas deliveries to Iran through Azerbaijan pipeline',
      summary: boilerplate,
    });
    const drill = fingerprintOf({
      language: 'en',
      title: 'Iranian and Russian warships hold missile drill in the Caspian Sea',
      summary: boilerplate,
    });

    // Assess
    expect(similarity(gas.signature, drill.signature).text).toBeGreaterThanOrEqual(0.5);
    expect(isSameStory(gas.signature, drill.signature, 1)).toBe(false);
  });

  it('does not fold two short items that only name Russia and Iran', () => {
    // Prepare
    const a = fingerprintOf({ language: 'en', title: 'Russia and Iran', summary: '' });
    const b = fingerprintOf({ language: 'ru', title: 'Россия и Иран', summary: '' });

    // Assess
    expect(a.bandKeys).toEqual([]);
    expect(isSameStory(a.signature, b.signature, 1)).toBe(false);
  });

  it('does not fold a copy outside the story window', () => {
    // Prepare
    const en = fingerprintOf(dumaEnglish);
    const ru = fingerprintOf(dumaRussian);

    // Assess
    expect(isSameStory(en.signature, ru.signature, STORY_WINDOW_HOURS)).toBe(true);
    expect(isSameStory(en.signature, ru.signature, STORY_WINDOW_HOURS + 1)).toBe(false);
  });

  it('gives copies shared band keys and unrelated stories none', () => {
    // Prepare
    const en = fingerprintOf(dumaEnglish, ['agreement-status']);
    const ru = fingerprintOf(dumaRussian, ['agreement-status']);
    const ocean = fingerprintOf(oceanDrillEnglish, ['defense-military']);

    // Act
    const shared = (a: string[], b: string[]) => a.filter((key) => b.includes(key)).length;

    // Assess
    expect(shared(en.bandKeys, ru.bandKeys)).toBeGreaterThan(0);
    expect(shared(en.bandKeys, ocean.bandKeys)).toBe(0);
  });
});
