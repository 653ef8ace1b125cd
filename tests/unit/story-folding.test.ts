import { describe, expect, it } from 'vitest';
import { evaluateStories, type LabelledItem } from '../../functions/core/evaluation/evaluate';
import type { Language } from '../../functions/core/model';
import { storyFingerprint } from '../../functions/core/stories/story-fingerprint';
import {
  foldIntoStory,
  InMemoryStoryIndex,
  type StoryMember,
  storyIdFor,
} from '../../functions/core/stories/story-folding';

interface TestArticle {
  id: string;
  title: string;
  summary: string;
  language: Language;
  link?: string;
  topicIds?: string[];
}

const start = new Date('2025-04-08T09:00:00.000Z');
const hoursLater = (hours: number): Date => new Date(start.getTime() + hours * 3_600_000);

async function fold(index: InMemoryStoryIndex, article: TestArticle, now: Date) {
  const topicIds = article.topicIds ?? [];
  const fingerprint = storyFingerprint({ ...article, link: article.link ?? '', topicIds });
  return foldIntoStory({ id: article.id, topicIds }, fingerprint, index, now);
}

const dumaTass: TestArticle = {
  id: 'tass-1940127',
  language: 'en',
  link: 'https://tass.com/politics/1940127',
  topicIds: ['agreement-status'],
  title: 'State Duma ratifies comprehensive strategic partnership treaty with Iran',
  summary:
    'The State Duma ratified the comprehensive strategic partnership treaty between Russia and ' +
    'Iran that Vladimir Putin and Masoud Pezeshkian signed in Moscow in January. Deputy Foreign ' +
    'Minister Andrei Rudenko told lawmakers that the 20-year treaty is not a military alliance.',
};
const dumaRia: TestArticle = {
  id: 'ria-2010254781',
  language: 'ru',
  link: 'https://ria.ru/20250408/iran-2010254781.html',
  topicIds: ['agreement-status'],
  title: 'Госдума ратифицировала договор о всеобъемлющем стратегическом партнерстве с Ираном',
  summary:
    'Депутаты Государственной думы ратифицировали договор о всеобъемлющем стратегическом ' +
    'партнерстве между Россией и Ираном, подписанный Владимиром Путиным и Масудом Пезешкианом в ' +
    'январе в Москве. Замглавы МИД Андрей Руденко заявил, что договор на 20 лет не создает ' +
    'военного союза.',
};
const dumaIrna: TestArticle = {
  id: 'irna-85838000',
  language: 'fa',
  link: 'https://www.irna.ir/news/85838000/',
  topicIds: ['agreement-status'],
  title: 'دومای روسیه معاهده مشارکت راهبردی جامع با ایران را تصویب کرد',
  summary:
    'نمایندگان دومای دولتی روسیه معاهده مشارکت راهبردی جامع ایران و روسیه را که پوتین و ' +
    'پزشکیان در ژانویه در مسکو امضا کردند تصویب کردند. رودنکو معاون وزیر خارجه روسیه گفت این ' +
    'معاهده ۲۰ ساله یک اتحاد نظامی نیست.',
};
const majlisApproval: TestArticle = {
  id: 'irna-85900000',
  language: 'en',
  link: 'https://en.irna.ir/news/85900000/',
  topicIds: ['agreement-status'],
  title: "Iran's parliament approves strategic partnership treaty with Russia",
  summary:
    'Lawmakers in the Majlis approved the comprehensive strategic partnership treaty with Russia ' +
    'by a large majority, sending it to the Guardian Council. The head of the national security ' +
    "committee said the treaty strengthens Iran's Look East policy.",
};

describe('foldIntoStory', () => {
  it('starts a story with the first article of a development', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();

    // Act
    const result = await fold(index, dumaTass, start);

    // Assess
    expect(result).toEqual({ storyId: storyIdFor(dumaTass.id), isNew: true });
  });

  it('folds an exact copy re-sent with a new GUID and an AMP, tracking-tagged link', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    const first = await fold(index, dumaTass, start);
    const resent: TestArticle = {
      ...dumaTass,
      id: 'tass-guid-2',
      title: 'UPDATED: Russian parliament backs Iran treaty',
      summary: 'Corrects the vote count.',
      link: 'https://tass.com/politics/1940127/amp?utm_source=telegram',
    };

    // Act
    const result = await fold(index, resent, hoursLater(1));

    // Assess
    expect(result).toEqual({ storyId: first.storyId, isNew: false });
  });

  it('folds a syndicated copy with a changed headline, a new GUID and another link', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    const first = await fold(index, dumaTass, start);
    const syndicated: TestArticle = {
      ...dumaTass,
      id: 'tehrantimes-511204',
      link: 'https://www.tehrantimes.com/news/511204/duma-treaty',
      title: 'Russian lawmakers back 20-year treaty with Tehran',
    };

    // Act
    const result = await fold(index, syndicated, hoursLater(3));

    // Assess
    expect(result).toEqual({ storyId: first.storyId, isNew: false });
  });

  it('folds the same development reported in Russian and in Persian', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    const first = await fold(index, dumaTass, start);

    // Act
    const russian = await fold(index, dumaRia, hoursLater(2));
    const persian = await fold(index, dumaIrna, hoursLater(5));

    // Assess
    expect(russian).toEqual({ storyId: first.storyId, isNew: false });
    expect(persian).toEqual({ storyId: first.storyId, isNew: false });
  });

  it('starts a new story for a follow-up in the same affair', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    await fold(index, dumaTass, start);
    await fold(index, dumaRia, hoursLater(1));

    // Act
    const result = await fold(index, majlisApproval, hoursLater(6));

    // Assess
    expect(result).toEqual({ storyId: storyIdFor(majlisApproval.id), isNew: true });
  });

  it('starts a new story for a copy that arrives after the story window', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    const first = await fold(index, dumaTass, start);
    const laterCopy = { ...dumaRia, id: 'ria-late' };

    // Act
    const inside = await fold(index, dumaRia, hoursLater(71));
    const outside = await fold(index, laterCopy, hoursLater(73));

    // Assess
    expect(inside).toEqual({ storyId: first.storyId, isNew: false });
    expect(outside).toEqual({ storyId: storyIdFor('ria-late'), isNew: true });
  });

  it('answers a retried article as the first time', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    const first = await fold(index, dumaTass, start);
    const copy = await fold(index, dumaRia, hoursLater(1));

    // Act
    const firstAgain = await fold(index, dumaTass, hoursLater(2));
    const copyAgain = await fold(index, dumaRia, hoursLater(2));

    // Assess
    expect(firstAgain).toEqual(first);
    expect(copyAgain).toEqual(copy);
  });

  it('indexes each member under its URL key and band keys', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    const fingerprint = storyFingerprint({ ...dumaTass, link: dumaTass.link ?? '', topicIds: [] });

    // Act
    await foldIntoStory({ id: dumaTass.id, topicIds: [] }, fingerprint, index, start);
    const found = await index.findCandidates([fingerprint.urlKey ?? '', ...fingerprint.bandKeys]);

    // Assess
    expect(found).toEqual([
      {
        storyId: storyIdFor(dumaTass.id),
        articleId: dumaTass.id,
        firstSeen: start.toISOString(),
        urlKey: fingerprint.urlKey,
        signature: fingerprint.signature,
        topicIds: [],
        // The first story settled in this index: number 1, no longer claiming.
        seq: 1,
      },
    ]);
  });
});

describe('InMemoryStoryIndex', () => {
  const member = (articleId: string, firstSeen: string): StoryMember => ({
    storyId: `story-${articleId}`,
    articleId,
    firstSeen,
    signature: [1, 2, 3],
    topicIds: ['energy'],
  });

  it('returns a member found by several keys once', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    await index.addMember(member('a', start.toISOString()), ['k1', 'k2']);
    await index.addMember(member('b', start.toISOString()), ['k2']);

    // Act
    const found = await index.findCandidates(['k1', 'k2', 'k3']);

    // Assess
    expect(found.map((candidate) => candidate.articleId).sort()).toEqual(['a', 'b']);
  });

  it('drops the members of stories first seen before a time', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    await index.addMember(member('old', start.toISOString()), ['k']);
    await index.addMember(member('new', hoursLater(10).toISOString()), ['k']);

    // Act
    index.expireBefore(hoursLater(5));

    // Assess
    expect((await index.findCandidates(['k'])).map((candidate) => candidate.articleId)).toEqual([
      'new',
    ]);
  });

  it('keeps what it stored from later changes to the caller’s objects', async () => {
    // Prepare
    const index = new InMemoryStoryIndex();
    const stored = member('a', start.toISOString());
    await index.addMember(stored, ['k']);

    // Act
    stored.signature.push(4);
    const [found] = await index.findCandidates(['k']);

    // Assess
    expect(found?.signature).toEqual([1, 2, 3]);
  });
});

describe('evaluateStories', () => {
  const item = (id: string, story?: string): LabelledItem => ({
    id,
    title: id,
    summary: '',
    lang: 'en',
    labels: [],
    ...(story === undefined ? {} : { story }),
  });

  it('counts groups, copies, folded copies and merged stories by their definitions', () => {
    // Prepare: story s1 has three items, s2 two, x and y are stories of their own.
    const items = [
      item('a1', 's1'),
      item('x'),
      item('a2', 's1'),
      item('b1', 's2'),
      item('a3', 's1'),
      item('b2', 's2'),
      item('y'),
    ];
    const predicted = new Map([
      ['a1', 'P1'],
      ['x', 'P2'],
      ['a2', 'P1'], // folded into s1's story
      ['b1', 'P3'],
      ['a3', 'P4'], // missed: a story of its own
      ['b2', 'P2'], // missed, and merged with x
      ['y', 'P5'],
    ]);

    // Act
    const report = evaluateStories(items, predicted);

    // Assess
    expect(report).toEqual({ groups: 2, copies: 3, copiesFolded: 1, distinctMerged: 1 });
  });

  it('counts a copy as folded when it joins the story of any earlier member', () => {
    // Prepare: the third item joins the second's story, not the first's.
    const items = [item('a1', 's'), item('a2', 's'), item('a3', 's')];
    const predicted = new Map([
      ['a1', 'P1'],
      ['a2', 'P2'],
      ['a3', 'P2'],
    ]);

    // Act
    const report = evaluateStories(items, predicted);

    // Assess
    expect(report).toEqual({ groups: 1, copies: 2, copiesFolded: 1, distinctMerged: 0 });
  });

  it('treats an item without a prediction as a story of its own', () => {
    // Act
    const report = evaluateStories([item('a1', 's'), item('a2', 's')], new Map());

    // Assess
    expect(report).toEqual({ groups: 1, copies: 1, copiesFolded: 0, distinctMerged: 0 });
  });
});
