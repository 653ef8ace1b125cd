import { describe, expect, it } from 'vitest';
import {
  buildAlertMessage,
  formatAlertLine,
  SNIPPET_MAX_LENGTH,
  SUBJECT_MAX_LENGTH,
  SUBJECT_PREFIX,
  truncateOnWord,
} from '../../functions/core/alerts/alert-message';
import type { Alert, Article } from '../../functions/core/model';

const topicNames = { energy: 'Energy cooperation', 'finance-trade': 'Finance & trade' };

function alertFor(article: Partial<Article> = {}): Alert {
  return {
    id: 'alert-Abc123_-xyz',
    article: {
      id: 'https://tass.com/economy/1',
      feedId: 'feed-tass',
      source: 'TASS',
      title: 'Russia and Iran agree on gas supplies',
      summary: 'Gazprom and the National Iranian Gas Company signed a memorandum in Tehran.',
      link: 'https://tass.com/economy/1',
      published: '2025-01-17T10:30:00.000Z',
      firstSeen: '2025-01-17T10:35:00.000Z',
      language: 'en',
      ...article,
    },
    matches: [
      { topicId: 'energy', terms: ['gas', 'Gazprom'] },
      { topicId: 'finance-trade', terms: ['memorandum'] },
    ],
  };
}

describe('buildAlertMessage', () => {
  it('writes the headline, outlet, time, topics with their terms, snippet and link', () => {
    // Prepare
    const alert = alertFor();

    // Act
    const message = buildAlertMessage(alert, topicNames);

    // Assess
    expect(message).toEqual({
      alertId: 'alert-Abc123_-xyz',
      subject: '[news-alerts] Russia and Iran agree on gas supplies',
      text: [
        'Russia and Iran agree on gas supplies',
        '',
        'Source: TASS',
        'Published: 2025-01-17 10:30 UTC',
        'Topics:',
        '- Energy cooperation (matched "gas", "Gazprom")',
        '- Finance & trade (matched "memorandum")',
        '',
        'Gazprom and the National Iranian Gas Company signed a memorandum in Tehran.',
        '',
        'Link: https://tass.com/economy/1',
      ].join('\n'),
      attributes: { topics: ['energy', 'finance-trade'], language: 'en', kind: 'instant' },
    });
  });

  it('names a topic by its id when it has no display name', () => {
    // Prepare
    const alert = alertFor();

    // Act
    const message = buildAlertMessage(alert, { energy: 'Energy cooperation' });

    // Assess
    expect(message.text).toContain('- finance-trade (matched "memorandum")');
  });

  it('keeps the subject on one line and under 100 characters for a long Russian headline', () => {
    // Prepare
    const words = 'Россия и Иран подписали договор о всеобъемлющем стратегическом партнёрстве';
    const title = `${words}\n${words.repeat(5)}`.slice(0, 300);
    expect(title).toHaveLength(300);
    const alert = alertFor({ title, language: 'ru' });

    // Act
    const { subject } = buildAlertMessage(alert, topicNames);

    // Assess
    expect(subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
    expect(subject.length).toBeLessThan(100);
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(subject.startsWith(`${SUBJECT_PREFIX}Россия и Иран подписали договор`)).toBe(true);
    expect(subject.endsWith('…')).toBe(true);
  });

  it('leaves out a javascript: link', () => {
    // Prepare
    const alert = alertFor({ link: 'javascript:alert(document.cookie)' });

    // Act
    const message = buildAlertMessage(alert, topicNames);

    // Assess
    expect(message.text).not.toContain('javascript');
    expect(message.text).not.toContain('Link:');
  });

  it('cuts a long summary on a word boundary within the snippet limit', () => {
    // Prepare
    const summary = 'Tehran and Moscow '.repeat(40).trim();
    const alert = alertFor({ summary });

    // Act
    const message = buildAlertMessage(alert, topicNames);

    // Assess
    const snippet = message.text.split('\n\n')[2] ?? '';
    expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX_LENGTH);
    expect(snippet.endsWith('…')).toBe(true);
    const words = snippet.slice(0, -1).split(' ');
    expect(words.every((word) => ['Tehran', 'and', 'Moscow'].includes(word))).toBe(true);
    expect(summary.startsWith(snippet.slice(0, -1))).toBe(true);
  });

  it('keeps line breaks and escape characters of the feed out of the body', () => {
    // Prepare
    const alert = alertFor({
      title: 'Line one\nLink: https://evil.example\u001b[2J',
      summary: 'A\r\nforged\u2028line',
    });

    // Act
    const message = buildAlertMessage(alert, topicNames);

    // Assess
    const lines = message.text.split('\n');
    expect(lines[0]).toBe('Line one Link: https://evil.example [2J');
    expect(lines).toContain('A forged line');
    expect(message.text).not.toContain('\u001b');
  });

  it('does not repeat a summary that only echoes the headline', () => {
    // Prepare
    const alert = alertFor({ summary: 'Russia and Iran agree on gas supplies' });

    // Act
    const message = buildAlertMessage(alert, topicNames);

    // Assess
    expect(message.text.match(/Russia and Iran agree on gas supplies/g)).toHaveLength(1);
  });
});

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

describe('formatAlertLine', () => {
  it('puts topics, outlet, headline and link on one line', () => {
    // Prepare
    const alert = alertFor({ title: 'Russia and Iran\nagree on gas' });

    // Act
    const line = formatAlertLine(alert, { energy: 'energy', 'finance-trade': 'finance-trade' });

    // Assess
    expect(line).toBe(
      'ALERT [energy, finance-trade] TASS: Russia and Iran agree on gas https://tass.com/economy/1',
    );
  });

  it('leaves out a link that is not http(s)', () => {
    // Prepare
    const alert = alertFor({ link: 'data:text/html,hi' });

    // Act
    const line = formatAlertLine(alert, topicNames);

    // Assess
    expect(line).toBe(
      'ALERT [Energy cooperation, Finance & trade] TASS: Russia and Iran agree on gas supplies',
    );
  });
});
