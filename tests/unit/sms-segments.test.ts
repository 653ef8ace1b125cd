/**
 * SMS length as carriers count it, at the edges of each encoding, and the promise the alert
 * builder makes on top of it: whatever the headline, its SMS is one segment and carries the link.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlertContent,
  buildSmsText,
  SMS_MIN_HEADLINE_WITH_LABEL,
} from '../../functions/core/alerts/alert-message';
import {
  countSmsSegments,
  fitSmsToOneSegment,
  gsm7Units,
  isGsm7,
  smsDisplayNamePrefix,
  toGsm7IfPossible,
} from '../../functions/core/alerts/sms-segments';

const RUSSIAN = 'Россия и Иран подписали договор о всеобъемлющем стратегическом партнёрстве';
const PERSIAN = 'ایران و روسیه معاهده مشارکت راهبردی جامع را امضا کردند';

describe('countSmsSegments', () => {
  it('sends 160 GSM-7 characters as one segment and 161 as two', () => {
    expect(countSmsSegments('a'.repeat(160))).toEqual({
      encoding: 'GSM-7',
      units: 160,
      segments: 1,
    });
    expect(countSmsSegments('a'.repeat(161))).toEqual({
      encoding: 'GSM-7',
      units: 161,
      segments: 2,
    });
  });

  it('fills the parts of a long GSM-7 text with 153 characters each', () => {
    expect(countSmsSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSmsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts an extension character such as € as two units', () => {
    // Prepare
    const fits = `${'a'.repeat(158)}€`;
    const over = `${'a'.repeat(159)}€`;

    // Act
    const [fitsCount, overCount] = [countSmsSegments(fits), countSmsSegments(over)];

    // Assess
    expect(fitsCount).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(overCount).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    for (const character of '^{}\\[~]|€\f') {
      expect(gsm7Units(character)).toBe(2);
    }
  });

  it('never splits an escape sequence between two parts', () => {
    // Prepare: 306 units would be two parts of 153, but the € cannot straddle the first cut.
    const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;

    // Act
    const count = countSmsSegments(text);

    // Assess
    expect(count).toEqual({ encoding: 'GSM-7', units: 306, segments: 3 });
  });

  it('keeps the accented letters, Greek capitals and signs of the GSM-7 alphabet in GSM-7', () => {
    expect(countSmsSegments('Café £5 @ Δ Ω ¿Qué? Ñoño ß § ¤ ¥ è ù ì ò Ç Ø å Æ É ü à')).toEqual({
      encoding: 'GSM-7',
      units: 54,
      segments: 1,
    });
  });

  it('switches the whole text to UCS-2 for one character outside GSM-7', () => {
    // Prepare: a small c-cedilla and a backtick are not in the GSM-7 alphabet.
    const withCedilla = `${'a'.repeat(100)}ç`;
    const withBacktick = `${'a'.repeat(10)}\``;

    // Act
    const [cedilla, backtick] = [countSmsSegments(withCedilla), countSmsSegments(withBacktick)];

    // Assess
    expect(cedilla).toEqual({ encoding: 'UCS-2', units: 101, segments: 2 });
    expect(backtick.encoding).toBe('UCS-2');
  });

  it('sends 70 UCS-2 units as one segment, 71 as two, and 67 a part after that', () => {
    expect(countSmsSegments('ж'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSmsSegments('ж'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(countSmsSegments('ж'.repeat(134)).segments).toBe(2);
    expect(countSmsSegments('ж'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two UCS-2 units', () => {
    expect(countSmsSegments(`${'a'.repeat(68)}😀`)).toEqual({
      encoding: 'UCS-2',
      units: 70,
      segments: 1,
    });
    expect(countSmsSegments(`${'a'.repeat(69)}😀`)).toEqual({
      encoding: 'UCS-2',
      units: 71,
      segments: 2,
    });
  });

  it('counts Russian and Persian text in UCS-2, the zero-width non-joiner included', () => {
    // Prepare: "می‌خواهند" is spelled with a zero-width non-joiner (U+200C), one unit.
    const persianWithJoiner = 'آنها می\u200Cخواهند';

    // Act
    const [russian, persian, joiner] = [
      countSmsSegments(RUSSIAN),
      countSmsSegments(PERSIAN),
      countSmsSegments(persianWithJoiner),
    ];

    // Assess
    expect(russian).toEqual({ encoding: 'UCS-2', units: RUSSIAN.length, segments: 2 });
    expect(persian).toEqual({ encoding: 'UCS-2', units: PERSIAN.length, segments: 1 });
    expect(joiner).toEqual({ encoding: 'UCS-2', units: 14, segments: 1 });
  });

  it('counts no segment for the empty text', () => {
    expect(countSmsSegments('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0 });
  });
});

describe('toGsm7IfPossible', () => {
  it('replaces typographic punctuation when that makes an English text GSM-7', () => {
    // Act
    const text = toGsm7IfPossible('Russia’s treaty — “a new era”…');

    // Assess
    expect(text).toBe('Russia\'s treaty - "a new era"...');
    expect(isGsm7(text)).toBe(true);
  });

  it('leaves a Russian text with its own quotation marks alone', () => {
    expect(toGsm7IfPossible('«Договор» — подписан')).toBe('«Договор» — подписан');
  });
});

describe('smsDisplayNamePrefix', () => {
  it('writes the display name as SNS puts it before a topic SMS', () => {
    expect(smsDisplayNamePrefix('news-alerts')).toBe('NEWS-ALERTS> ');
    expect(smsDisplayNamePrefix('  ')).toBe('');
    expect(smsDisplayNamePrefix(undefined)).toBe('');
  });
});

describe('fitSmsToOneSegment', () => {
  const link = 'https://tass.com/politics/123456';

  it('returns the whole text when it fits', () => {
    expect(fitSmsToOneSegment({ lead: 'Energy:', text: 'Gas deal signed', tail: link })).toBe(
      `Energy: Gas deal signed ${link}`,
    );
  });

  it('cuts a GSM-7 text on a word with "...", which keeps it GSM-7', () => {
    // Prepare
    const text = 'Russia and Iran sign a comprehensive strategic partnership treaty '.repeat(3);

    // Act
    const sms = fitSmsToOneSegment({ lead: 'Treaty:', text, tail: link }) ?? '';

    // Assess
    expect(countSmsSegments(sms)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(sms).toMatch(
      /^Treaty: Russia and Iran .*[a-z]\.\.\. https:\/\/tass\.com\/politics\/123456$/,
    );
    // Nothing wasted: the next word of the text would not have fitted.
    const nextWord = sms.replace('strategic...', 'strategic partnership...');
    expect(countSmsSegments(nextWord).segments).toBe(2);
  });

  it('cuts a Russian text with "…", one unit, and keeps the link whole', () => {
    // Act
    const sms = fitSmsToOneSegment({ text: RUSSIAN, tail: link }) ?? '';

    // Assess
    expect(countSmsSegments(sms)).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(sms.endsWith(`… ${link}`)).toBe(true);
    expect(RUSSIAN.startsWith(sms.slice(0, sms.indexOf('…')))).toBe(true);
    expect(sms.charAt(sms.indexOf('…') - 1)).not.toBe(' ');
  });

  it('counts the reserved prefix against the segment without including it', () => {
    // Prepare
    const reserved = 'X'.repeat(100);

    // Act
    const sms = fitSmsToOneSegment({ text: 'word '.repeat(30).trim(), reserved }) ?? '';

    // Assess
    expect(sms.startsWith('word')).toBe(true);
    expect(countSmsSegments(`${reserved}${sms}`).segments).toBe(1);
    expect(countSmsSegments(`${reserved}${sms} word`).segments).toBe(2);
  });

  it('cuts a long first word between graphemes, never inside an emoji', () => {
    // Prepare
    const text = '👩‍👩‍👧'.repeat(30);

    // Act
    const sms = fitSmsToOneSegment({ text, tail: link }) ?? '';

    // Assess
    const head = sms.slice(0, sms.indexOf('…'));
    expect(head.length % '👩‍👩‍👧'.length).toBe(0);
    expect(countSmsSegments(sms).segments).toBe(1);
  });

  it('gives up when the text would keep fewer characters than asked', () => {
    expect(
      fitSmsToOneSegment({ lead: 'Energy:', text: PERSIAN, tail: link, minTextLength: 30 }),
    ).toBeUndefined();
  });

  it('drops the text when allowed to and only the rest fits', () => {
    expect(
      fitSmsToOneSegment({ text: 'ж'.repeat(50), tail: 'a'.repeat(150), minTextLength: 0 }),
    ).toBe('a'.repeat(150));
  });
});

describe('the SMS of an alert', () => {
  const link = 'https://www.irna.ir/news/85712345/Iran-Russia-treaty';

  function contentWith(headline: string, overrides: Partial<AlertContent> = {}): AlertContent {
    return {
      storyId: 'story-1',
      headline,
      outlet: 'IRNA',
      published: '2025-01-17T10:30:00.000Z',
      topics: [{ id: 'treaty', name: 'Treaty' }],
      terms: [],
      snippet: '',
      link,
      language: 'fa',
      ...overrides,
    };
  }

  // Hostile and awkward units: scripts, RTL marks and overrides, joiners, emoji, GSM-7 escapes.
  const awkwardUnit = fc.constantFrom(
    'a',
    ' ',
    'Ж',
    'ی',
    '\u200C',
    '\u200F',
    '\u202E',
    '\u2066',
    '😀',
    '👩‍👩‍👧',
    '€',
    '{',
    '’',
    '\n',
    '\u0000',
    '<script>',
    '\uD800',
  );
  const headline = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: awkwardUnit, maxLength: 200 }),
    fc
      .tuple(fc.string({ unit: awkwardUnit, minLength: 1, maxLength: 20 }), fc.nat(2_000))
      .map(([chunk, times]) => chunk.repeat(times)),
  );
  const topicName = fc.oneof(
    fc.constantFrom('Treaty', 'Energy cooperation', 'Finance & trade', 'انرژی', 'Договор'),
    fc.string({ unit: awkwardUnit, maxLength: 60 }),
  );
  const displayName = fc.constantFrom(
    '',
    'NEWSALERTS',
    'news-alerts',
    'news-alerts: Russia–Iran treaty alerts',
  );

  it('is one segment whatever the headline, topic, link and display name', () => {
    fc.assert(
      fc.property(
        headline,
        topicName,
        displayName,
        fc.constantFrom(link, '', 'javascript:alert(1)', `https://example.org/${'x'.repeat(300)}`),
        (title, name, display, storyLink) => {
          // Act
          const sms = buildSmsText(
            contentWith(title, { topics: [{ id: 'treaty', name }], link: storyLink }),
            { smsDisplayName: display },
          );

          // Assess
          expect(sms).not.toBe('');
          expect(countSmsSegments(`${smsDisplayNamePrefix(display)}${sms}`).segments).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('always carries the link whatever the headline', () => {
    fc.assert(
      fc.property(
        headline,
        topicName,
        fc.constantFrom('', 'NEWSALERTS'),
        (title, name, display) => {
          // Act
          const sms = buildSmsText(contentWith(title, { topics: [{ id: 'treaty', name }] }), {
            smsDisplayName: display,
          });

          // Assess
          expect(sms.endsWith(` ${link}`) || sms === link).toBe(true);
          expect(sms).not.toMatch(/[\u202A-\u202E\u2066-\u2069\p{Cc}]/u);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the topic label while the headline keeps a useful part', () => {
    // Prepare
    const shortLink = 'https://irna.ir/x/85712345';

    // Act
    const sms = buildSmsText(contentWith(PERSIAN, { shortLink }));

    // Assess
    expect(sms.startsWith('Treaty: ایران و روسیه')).toBe(true);
    expect(sms.endsWith(`… ${shortLink}`)).toBe(true);
    const headlinePart = sms.slice('Treaty: '.length, sms.lastIndexOf(' '));
    expect(headlinePart.length).toBeGreaterThanOrEqual(SMS_MIN_HEADLINE_WITH_LABEL);
    expect(countSmsSegments(sms).segments).toBe(1);
  });

  it('gives the label up to the headline when a long link leaves little room', () => {
    // Act
    const sms = buildSmsText(contentWith(PERSIAN));

    // Assess
    expect(sms.startsWith('ایران و روسیه')).toBe(true);
    expect(sms.endsWith(`… ${link}`)).toBe(true);
    expect(countSmsSegments(sms)).toMatchObject({ encoding: 'UCS-2', segments: 1 });
  });
});
