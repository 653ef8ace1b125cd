import { describe, expect, it } from 'vitest';
import {
  type AlertContent,
  assertValidMessageAttributes,
  buildDigestMessage,
  buildFloodNotice,
  buildSnsMessage,
  type DigestContent,
  EMAIL_TRUNCATION_MARKER,
  EmptyDigestError,
  InvalidMessageAttributesError,
  type MessageAttributes,
  messageAttributeProblems,
  SNIPPET_MAX_LENGTH,
  SNS_MAX_PAYLOAD_BYTES,
  type SnsMessage,
  type SnsMessageBodies,
  SUBJECT_MAX_LENGTH,
  SUBJECT_PREFIX,
  snsPayloadBytes,
  truncateOnWord,
} from '../../functions/core/alerts/alert-message';
import { countSmsSegments, smsDisplayNamePrefix } from '../../functions/core/alerts/sms-segments';

describe('truncateOnWord', () => {
  it('returns short text unchanged', () => {
    expect(truncateOnWord('short text', 20)).toBe('short text');
  });

  it('cuts a single long word hard without splitting a surrogate pair', () => {
    // Prepare
    const text = `${'a'.repeat(8)}😀${'b'.repeat(10)}`;

    // Act
    const truncated = truncateOnWord(text, 10);

    // Assess
    expect(truncated).toBe(`${'a'.repeat(8)}…`);
  });
});

const RUSSIAN_HEADLINE =
  'Госдума ратифицировала договор о всеобъемлющем стратегическом партнёрстве с Ираном';
const PERSIAN_HEADLINE = 'مجلس دومای روسیه معاهده مشارکت راهبردی جامع با ایران را تصویب کرد';

function contentFor(overrides: Partial<AlertContent> = {}): AlertContent {
  return {
    storyId: 'story-1',
    headline: 'Russia and Iran agree on gas supplies',
    outlet: 'TASS',
    otherOutlets: ['RIA Novosti', 'IRNA'],
    published: '2025-01-17T10:30:00.000Z',
    topics: [
      { id: 'energy', name: 'Energy cooperation' },
      { id: 'finance-trade', name: 'Finance & trade' },
    ],
    terms: ['gas', 'Gazprom'],
    snippet: 'Gazprom and the National Iranian Gas Company signed a memorandum in Tehran.',
    link: 'https://tass.com/economy/1',
    language: 'en',
    ...overrides,
  };
}

function bodiesOf(message: SnsMessage): SnsMessageBodies {
  return JSON.parse(message.message) as SnsMessageBodies;
}

/** The texts a reader sees in any channel, for checks that must hold in all of them. */
function everythingShown(message: SnsMessage): string[] {
  const bodies = bodiesOf(message);
  return [message.subject, bodies.default, bodies.email, bodies.sms];
}

describe('buildSnsMessage', () => {
  it('builds a JSON message with the default, email and sms texts SNS needs', () => {
    // Act
    const message = buildSnsMessage(contentFor());

    // Assess
    const bodies = JSON.parse(message.message) as Record<string, unknown>;
    expect(Object.keys(bodies)).toEqual(['default', 'email', 'sms']);
    for (const value of Object.values(bodies)) {
      expect(typeof value).toBe('string');
    }
    expect(bodies.default).toBe(
      'Russia and Iran agree on gas supplies (TASS)\nhttps://tass.com/economy/1',
    );
  });

  it('writes the email as headline, facts, why it matched, snippet, link and footer', () => {
    // Act
    const { email } = bodiesOf(
      buildSnsMessage(contentFor(), { manageUrl: 'https://alerts.example.org/manage' }),
    );

    // Assess
    expect(email).toBe(
      [
        'Russia and Iran agree on gas supplies',
        '',
        'Outlet: TASS',
        'Also reported by: RIA Novosti, IRNA',
        'Published: 2025-01-17 10:30 UTC',
        'Language: English',
        'Topics: Energy cooperation, Finance & trade',
        'Why it matched: "gas", "Gazprom"',
        '',
        'Gazprom and the National Iranian Gas Company signed a memorandum in Tehran.',
        '',
        'Read the story: https://tass.com/economy/1',
        '',
        '-- ',
        'You receive this because you follow these news-alerts topics: Energy cooperation, Finance & trade.',
        'Change or stop these alerts: https://alerts.example.org/manage',
        'With the news-alerts command line: "news-alerts subscribe ADDRESS --topics ID,..." changes your topics,',
        '"news-alerts unsubscribe ADDRESS" stops all alerts.',
      ].join('\n'),
    );
  });

  it('leaves the command line out of the footer when told to', () => {
    // Act
    const { email } = bodiesOf(
      buildSnsMessage(contentFor(), {
        manageUrl: 'https://alerts.example.org/manage',
        mentionCli: false,
      }),
    );

    // Assess
    expect(email).toContain('Change or stop these alerts: https://alerts.example.org/manage');
    expect(email).not.toContain('news-alerts unsubscribe');
  });

  it('sets the attributes subscription filter policies match on', () => {
    // Act
    const message = buildSnsMessage(contentFor({ language: 'fa', priority: 'high' }));

    // Assess
    expect(message.attributes).toEqual({
      topics: { DataType: 'String.Array', StringValue: '["energy","finance-trade"]' },
      language: { DataType: 'String', StringValue: 'fa' },
      kind: { DataType: 'String', StringValue: 'instant' },
      priority: { DataType: 'String', StringValue: 'high' },
    });
    expect(messageAttributeProblems(message.attributes)).toEqual([]);
  });

  it.each([
    ['en', 'Russia and Iran agree on gas supplies'],
    ['ru', RUSSIAN_HEADLINE],
    ['fa', PERSIAN_HEADLINE],
  ] as const)(
    'keeps a %s headline in a one-line subject under 100 characters',
    (language, headline) => {
      // Act
      const { subject } = buildSnsMessage(
        contentFor({ headline: `${headline}\n${headline}`, language }),
      );

      // Assess
      expect(subject.startsWith(`${SUBJECT_PREFIX}${headline.slice(0, 20)}`)).toBe(true);
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
      expect(subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expect(subject).toMatch(/^[\p{L}\p{N}\p{P}]/u);
    },
  );

  it('cuts a long Russian headline on a word, with an ellipsis, in a one-line subject', () => {
    // Prepare
    const words = 'Россия и Иран подписали договор о всеобъемлющем стратегическом партнёрстве';
    const headline = `${words}\n${words.repeat(5)}`.slice(0, 300);
    expect(headline).toHaveLength(300);

    // Act
    const { subject } = buildSnsMessage(contentFor({ headline, language: 'ru' }));

    // Assess
    expect(subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
    expect(subject.length).toBeLessThan(100);
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(subject.startsWith(`${SUBJECT_PREFIX}Россия и Иран подписали договор`)).toBe(true);
    expect(subject.endsWith('…')).toBe(true);
    expect(subject).toBe(`${SUBJECT_PREFIX}${words} Россия и…`);
  });

  it('names a topic by its id when it has no display name', () => {
    // Prepare
    const topics = [
      { id: 'energy', name: '' },
      { id: 'finance-trade', name: '\n' },
    ];

    // Act
    const message = buildSnsMessage(contentFor({ topics, link: '' }));

    // Assess
    const { email, sms } = bodiesOf(message);
    expect(email).toContain('\nTopics: energy, finance-trade\n');
    expect(email).toContain(
      'You receive this because you follow these news-alerts topics: energy, finance-trade.',
    );
    expect(sms).toBe('energy: Russia and Iran agree on gas supplies');
  });

  it('keeps line breaks and escape characters of the feed out of every text', () => {
    // Prepare
    const content = contentFor({
      headline: 'Line one\nLink: https://evil.example\u001b[2J',
      snippet: 'A\r\nforged\u2028line',
    });

    // Act
    const message = buildSnsMessage(content);

    // Assess
    const { email, default: plain } = bodiesOf(message);
    expect(message.subject).toBe('[news-alerts] Line one Link: https://evil.example [2J');
    expect(email.split('\n')[0]).toBe('Line one Link: https://evil.example [2J');
    expect(email.split('\n')).toContain('A forged line');
    expect(plain.split('\n')[0]).toBe('Line one Link: https://evil.example [2J (TASS)');
    for (const text of everythingShown(message)) {
      expect(text).not.toContain('\u001b');
      expect(text).not.toContain('\r');
      expect(text).not.toContain('\u2028');
    }
  });

  it('replaces a Russian or Persian headline with ASCII parts in an ASCII subject', () => {
    // Act
    const russian = buildSnsMessage(contentFor({ headline: RUSSIAN_HEADLINE, language: 'ru' }), {
      subjectCharset: 'ascii',
    });
    const persian = buildSnsMessage(
      contentFor({
        headline: PERSIAN_HEADLINE,
        outlet: 'ایرنا',
        language: 'fa',
        topics: [{ id: 'treaty', name: 'معاهده' }],
      }),
      { subjectCharset: 'ascii' },
    );

    // Assess
    expect(russian.subject).toBe('[news-alerts] Energy cooperation: new story from TASS (ru)');
    expect(persian.subject).toBe('[news-alerts] treaty: new story (fa)');
    expect(bodiesOf(persian).email.startsWith(PERSIAN_HEADLINE)).toBe(true);
  });

  it('cuts a long English headline in an ASCII subject with "..."', () => {
    // Prepare
    const headline = 'Russia and Iran sign a comprehensive strategic partnership treaty '.repeat(3);

    // Act
    const { subject } = buildSnsMessage(contentFor({ headline }), { subjectCharset: 'ascii' });

    // Assess
    expect(subject).toMatch(/^[\x20-\x7E]+$/);
    expect(subject.endsWith('...')).toBe(true);
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
  });

  it.each([
    ['en', 'Russia and Iran agree on gas supplies, pipeline and prices over the next decade'],
    ['ru', RUSSIAN_HEADLINE],
    ['fa', PERSIAN_HEADLINE],
  ] as const)(
    'sends a %s alert as one SMS segment that ends with the link',
    (language, headline) => {
      // Act
      const { sms } = bodiesOf(buildSnsMessage(contentFor({ headline, language })));

      // Assess
      expect(countSmsSegments(sms).segments).toBe(1);
      expect(sms.endsWith(' https://tass.com/economy/1')).toBe(true);
      expect(sms).not.toMatch(/[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/);
    },
  );

  it('counts the topic display name SNS puts before an SMS', () => {
    // Prepare
    const smsDisplayName = 'news-alerts: Russia–Iran treaty alerts';

    // Act
    const { sms } = bodiesOf(
      buildSnsMessage(contentFor({ headline: RUSSIAN_HEADLINE, language: 'ru' }), {
        smsDisplayName,
      }),
    );

    // Assess
    expect(countSmsSegments(`${smsDisplayNamePrefix(smsDisplayName)}${sms}`).segments).toBe(1);
    expect(sms.endsWith(' https://tass.com/economy/1')).toBe(true);
  });

  it('puts the short link in the SMS and the full link in the email', () => {
    // Act
    const { sms, email } = bodiesOf(
      buildSnsMessage(contentFor({ shortLink: 'https://na.example/s/x1' })),
    );

    // Assess
    expect(sms.endsWith(' https://na.example/s/x1')).toBe(true);
    expect(email).toContain('Read the story: https://tass.com/economy/1');
  });

  it('falls back to the site address when a link alone is too long for an SMS', () => {
    // Prepare
    const link = `https://www.irna.ir/news/${'%D8%A7'.repeat(40)}`;

    // Act
    const { sms, email } = bodiesOf(buildSnsMessage(contentFor({ link })));

    // Assess
    expect(sms.endsWith(' https://www.irna.ir/')).toBe(true);
    expect(countSmsSegments(sms).segments).toBe(1);
    expect(email).toContain(`Read the story: ${link}`);
  });

  it('sends the headline alone when the story has no usable link', () => {
    // Act
    const { sms, default: plain } = bodiesOf(buildSnsMessage(contentFor({ link: '' })));

    // Assess
    expect(sms).toBe('Energy cooperation: Russia and Iran agree on gas supplies');
    expect(plain).toBe('Russia and Iran agree on gas supplies (TASS)');
  });

  it('cuts the snippet on a word within 400 characters and leaves out an echo of the headline', () => {
    // Prepare
    const snippet = 'Tehran and Moscow '.repeat(40).trim();

    // Act
    const long = bodiesOf(buildSnsMessage(contentFor({ snippet }))).email;
    const echo = bodiesOf(
      buildSnsMessage(contentFor({ snippet: 'Russia and Iran agree on gas supplies' })),
    ).email;

    // Assess
    const shown = long.split('\n\n')[2] ?? '';
    expect(shown.length).toBeLessThanOrEqual(SNIPPET_MAX_LENGTH);
    expect(shown.endsWith('Moscow…') || shown.endsWith('Tehran…') || shown.endsWith('and…')).toBe(
      true,
    );
    expect(snippet.startsWith(shown.slice(0, -1))).toBe(true);
    expect(echo.match(/Russia and Iran agree on gas supplies/g)).toHaveLength(1);
  });

  it('stays within the SNS size limit whatever the feed sends', () => {
    // Prepare
    const huge = 'Иран '.repeat(60_000);
    const content = contentFor({
      headline: huge,
      snippet: huge,
      outlet: huge,
      otherOutlets: Array.from({ length: 5_000 }, (_, i) => `Outlet ${i} ${huge.slice(0, 200)}`),
      terms: Array.from({ length: 5_000 }, (_, i) => `term${i}`),
      language: 'ru',
    });

    // Act
    const message = buildSnsMessage(content);

    // Assess
    expect(snsPayloadBytes(message)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    expect(snsPayloadBytes(message)).toBeLessThan(20_000);
    const { email, sms } = bodiesOf(message);
    expect(email).toContain('Why it matched: "term0"');
    expect(email).not.toContain('term20"');
    expect(countSmsSegments(sms).segments).toBe(1);
  });

  it('strips control characters, bidi overrides and markup, and drops unsafe links', () => {
    // Prepare
    const content = contentFor({
      headline:
        'Treaty\u202Egnp.exe <script>alert(1)</script>\u0007 signed\r\nLink: https://evil.example',
      snippet: '<img src=x onerror=alert(1)>Signed\u0000 in \u2066Moscow\u2069',
      outlet: 'TASS\u001b[31m',
      topics: [{ id: 'energy', name: 'Energy\nBcc: victim@example.org' }],
      terms: ['<b>gas</b>'],
      link: 'javascript:alert(document.cookie)',
      shortLink: 'https://user:pass@evil.example/',
    });

    // Act
    const message = buildSnsMessage(content, { manageUrl: 'data:text/html,<script>1</script>' });

    // Assess
    for (const text of everythingShown(message)) {
      expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]|(?!\n)\p{Cc}/u);
      expect(text).not.toMatch(/<\/?[a-z]+/i);
      expect(text).not.toContain('javascript:');
      expect(text).not.toContain('user:pass');
      expect(text).not.toContain('data:');
    }
    const { email } = bodiesOf(message);
    expect(email.split('\n')[0]).toBe('Treaty gnp.exe alert(1) signed Link: https://evil.example');
    expect(email).toContain('Topics: Energy Bcc: victim@example.org');
    expect(email).not.toContain('Read the story');
  });

  it('keeps the zero-width non-joiner that Persian spelling needs', () => {
    // Prepare
    const headline = 'روسیه و ایران می\u200Cخواهند همکاری کنند';

    // Act
    const message = buildSnsMessage(contentFor({ headline, language: 'fa' }));

    // Assess
    expect(message.subject).toBe(`${SUBJECT_PREFIX}${headline}`);
    expect(bodiesOf(message).sms).toContain('می\u200Cخواهند');
  });
});

describe('message attribute validation', () => {
  const valid: MessageAttributes = {
    topics: { DataType: 'String.Array', StringValue: '["energy"]' },
    language: { DataType: 'String', StringValue: 'ru' },
    'story.rank': { DataType: 'Number', StringValue: '-12.5' },
  };

  it('accepts names and values within the SNS rules', () => {
    expect(messageAttributeProblems(valid)).toEqual([]);
    expect(
      messageAttributeProblems({ ['a'.repeat(256)]: { DataType: 'String', StringValue: 'x' } }),
    ).toEqual([]);
  });

  it.each([
    'AWS.custom',
    'amazon.topic',
    'a..b',
    '.leading',
    'trailing.',
    'with space',
    'Ωmega',
    '',
    'a'.repeat(257),
  ])('rejects the attribute name %j', (name) => {
    expect(
      messageAttributeProblems({ [name]: { DataType: 'String', StringValue: 'x' } }),
    ).not.toEqual([]);
  });

  it.each([
    ['an empty value', { DataType: 'String', StringValue: '' }],
    ['a value with a NUL', { DataType: 'String', StringValue: 'a\u0000b' }],
    ['an array that is not JSON', { DataType: 'String.Array', StringValue: '[energy]' }],
    ['an array of objects', { DataType: 'String.Array', StringValue: '[{"a":1}]' }],
    ['a number too large', { DataType: 'Number', StringValue: '10000000000' }],
    ['a number with 6 decimals', { DataType: 'Number', StringValue: '1.123456' }],
    ['an unknown type', { DataType: 'Binary', StringValue: 'eA==' }],
  ] as const)('rejects %s', (_, value) => {
    expect(
      messageAttributeProblems({ name: value as unknown as MessageAttributes[string] }),
    ).toHaveLength(1);
  });

  it('rejects an eleventh attribute and names every problem in the error', () => {
    // Prepare
    const eleven: MessageAttributes = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'x' }]),
    );

    // Act
    const act = () =>
      assertValidMessageAttributes({
        ...eleven,
        'AWS.x': { DataType: 'String', StringValue: 'x' },
      });

    // Assess
    expect(act).toThrow(InvalidMessageAttributesError);
    expect(act).toThrow(/12 attributes, more than 10; name "AWS.x" starts with a prefix reserved/);
  });
});

describe('buildDigestMessage', () => {
  function digestOf(stories: AlertContent[], overrides: Partial<DigestContent> = {}) {
    return buildDigestMessage({
      periodStart: '2025-01-17T10:00:00.000Z',
      periodEnd: '2025-01-17T11:00:00.000Z',
      stories,
      link: 'https://alerts.example.org/digest/2025-01-17T10',
      ...overrides,
    });
  }

  const energy = { id: 'energy', name: 'Energy' };
  const treaty = { id: 'treaty', name: 'Treaty' };
  const stories = [
    contentFor({ storyId: 's1', headline: 'Gas deal signed', topics: [energy], otherOutlets: [] }),
    contentFor({
      storyId: 's2',
      headline: 'Duma ratifies the treaty',
      topics: [treaty, energy],
      published: '2025-01-17T10:50:00.000Z',
      otherOutlets: ['IRNA'],
      link: 'https://tass.com/politics/2',
    }),
    contentFor({
      storyId: 's3',
      headline: RUSSIAN_HEADLINE,
      topics: [treaty],
      language: 'ru',
      otherOutlets: [],
      link: 'javascript:void(0)',
    }),
  ];

  it('groups the stories by topic in the email, newest first, with outlets, time and link', () => {
    // Act
    const message = digestOf(stories, { link: undefined });

    // Assess
    expect(message.subject).toBe('[news-alerts] Digest: 3 new stories, 2025-01-17 10:00-11:00 UTC');
    const { email } = bodiesOf(message);
    expect(email.slice(0, email.indexOf('\n-- \n'))).toBe(
      [
        'news-alerts digest: 3 new stories, 2025-01-17 10:00-11:00 UTC',
        '',
        'Energy (2)',
        '==========',
        '',
        '* Duma ratifies the treaty',
        '  TASS, IRNA, 2025-01-17 10:50 UTC',
        '  https://tass.com/politics/2',
        '',
        '* Gas deal signed',
        '  TASS, 2025-01-17 10:30 UTC',
        '  https://tass.com/economy/1',
        '',
        'Treaty (2)',
        '==========',
        '',
        '* Duma ratifies the treaty',
        '  TASS, IRNA, 2025-01-17 10:50 UTC',
        '  https://tass.com/politics/2',
        '',
        `* ${RUSSIAN_HEADLINE}`,
        '  TASS, 2025-01-17 10:30 UTC',
        '',
      ].join('\n'),
    );
    expect(email).toContain('follow these news-alerts topics: Energy, Treaty.');
  });

  it('sums the digest up in one SMS segment with the digest link', () => {
    // Act
    const { sms } = bodiesOf(digestOf(stories));

    // Assess
    expect(sms).toBe(
      'news-alerts: 3 new stories (Energy 2, Treaty 2) https://alerts.example.org/digest/2025-01-17T10',
    );
    expect(countSmsSegments(sms)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('drops topic counts from the end of the SMS when they do not fit', () => {
    // Prepare
    const many = Array.from({ length: 12 }, (_, i) =>
      contentFor({
        storyId: `s${i}`,
        topics: [{ id: `topic-${i}`, name: `Topic number ${i}` }],
      }),
    );

    // Act
    const { sms } = bodiesOf(digestOf(many));

    // Assess
    expect(sms).toMatch(
      /^news-alerts: 12 new stories \(Topic number \d+ 1, .*, \.\.\.\) https:\/\/alerts\.example\.org\/digest\/2025-01-17T10$/,
    );
    expect(countSmsSegments(sms)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('marks the digest for filter policies: every topic, the languages present, kind digest', () => {
    // Act
    const message = digestOf(stories);

    // Assess
    expect(message.attributes).toEqual({
      topics: { DataType: 'String.Array', StringValue: '["energy","treaty"]' },
      language: { DataType: 'String.Array', StringValue: '["en","ru"]' },
      kind: { DataType: 'String', StringValue: 'digest' },
      priority: { DataType: 'String', StringValue: 'normal' },
    });
    expect(Object.keys(JSON.parse(message.message))).toEqual(['default', 'email', 'sms']);
  });

  it('counts a story reported twice only once', () => {
    // Act
    const story = contentFor({ topics: [energy] });
    const { sms } = bodiesOf(digestOf([story, { ...story }]));

    // Assess
    expect(sms.startsWith('news-alerts: 1 new story (Energy 1)')).toBe(true);
  });

  it('cuts a digest too large for SNS, keeping its footer', () => {
    // Prepare
    const huge = Array.from({ length: 3_000 }, (_, i) =>
      contentFor({
        storyId: `s${i}`,
        headline: `${i} ${'Тегеран '.repeat(40)}`,
        topics: [{ id: `topic-${i % 100}`, name: `Topic ${i % 100}` }],
      }),
    );

    // Act
    const message = digestOf(huge);

    // Assess
    expect(snsPayloadBytes(message)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    const { email } = bodiesOf(message);
    expect(email).toContain(EMAIL_TRUNCATION_MARKER);
    expect(email).toContain('"news-alerts unsubscribe ADDRESS" stops all alerts.');
    expect(email).not.toContain('\uFFFD');
  });

  it('lists at most 50 stories under a topic and counts the rest', () => {
    // Prepare
    const many = Array.from({ length: 53 }, (_, i) =>
      contentFor({ storyId: `s${i}`, headline: `Story ${i}`, topics: [energy] }),
    );

    // Act
    const { email, default: plain } = bodiesOf(digestOf(many));

    // Assess
    expect(email.match(/^\* Story /gm)).toHaveLength(50);
    expect(email).toContain('  ... and 3 more under Energy.');
    expect(plain.split('\n').filter((line) => line.startsWith('- Story '))).toHaveLength(20);
    expect(plain).toContain('- ... and 33 more');
  });

  it('refuses to build a digest of no story', () => {
    expect(() => digestOf([])).toThrow(EmptyDigestError);
  });
});

describe('buildFloodNotice', () => {
  it('tells in one segment until when alerts wait for the digest', () => {
    // Act
    const notice = buildFloodNotice({
      resumeAt: '2025-01-17T11:00:00.000Z',
      link: 'https://alerts.example.org/manage',
    });

    // Assess
    expect(notice).toBe(
      'news-alerts: many alerts this hour. Further alerts until 11:00 UTC will come in your next digest. https://alerts.example.org/manage',
    );
    expect(countSmsSegments(notice)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('shortens itself to stay one segment after a long display name', () => {
    // Prepare
    const smsDisplayName = 'news-alerts: Russia–Iran treaty alerts';

    // Act
    const notice = buildFloodNotice({
      resumeAt: '2025-01-17T11:00:00.000Z',
      link: 'https://alerts.example.org/manage',
      smsDisplayName,
    });

    // Assess
    expect(notice).toContain('11:00 UTC');
    expect(countSmsSegments(`${smsDisplayNamePrefix(smsDisplayName)}${notice}`).segments).toBe(1);
  });
});
