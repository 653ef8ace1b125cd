import { describe, expect, it } from 'vitest';
import {
  audienceFor,
  audiencesForTopics,
  parseEndpoint,
  parseMode,
  parseTopicIds,
  SubscriptionInputError,
} from '../../functions/core/subscriptions/subscription';

const known = new Set(['energy', 'agreement-status', 'finance-trade']);

describe('subscription input', () => {
  it.each([
    ['Analyst@Example.org', { channel: 'email', address: 'analyst@example.org' }],
    ['+4915112345678', { channel: 'sms', address: '+4915112345678' }],
    [' +989121234567 ', { channel: 'sms', address: '+989121234567' }],
  ])('reads %s', (raw, expected) => {
    expect(parseEndpoint(raw)).toEqual(expected);
  });

  it.each([
    ['analyst@', 'endpoint: "analyst@" is not an email address'],
    ['015112345678', 'endpoint: a phone number must be in E.164 form, starting with +'],
    ['+0123', 'endpoint: must be an E.164 number such as +4915112345678'],
    ['+49151123456789012', 'endpoint: must be an E.164 number such as +4915112345678'],
  ])('rejects %s naming the field', (raw, message) => {
    expect(() => parseEndpoint(raw)).toThrow(
      new SubscriptionInputError('endpoint', message.slice(10)),
    );
  });

  it('checks topics against the tracked ones and sorts them', () => {
    expect(parseTopicIds(['energy', ' agreement-status', 'energy'], known)).toEqual([
      'agreement-status',
      'energy',
    ]);
    expect(() => parseTopicIds(['energi'], known)).toThrow(/topics: unknown topic energi/);
    expect(() => parseTopicIds([], known)).toThrow(/topics: name at least one topic/);
  });

  it('accepts the three delivery modes only', () => {
    expect(parseMode('hourly')).toBe('hourly');
    expect(() => parseMode('weekly')).toThrow(/mode: must be one of instant, hourly, daily/);
  });
});

describe('audiences', () => {
  it('puts subscribers with the same channel, topics and mode in one audience', () => {
    const a = audienceFor('email', ['energy', 'agreement-status'], 'instant');
    const b = audienceFor('email', ['agreement-status', 'energy'], 'instant');
    const c = audienceFor('sms', ['agreement-status', 'energy'], 'instant');
    const d = audienceFor('email', ['agreement-status', 'energy'], 'daily');

    expect(a).toEqual(b);
    expect(new Set([a.id, c.id, d.id]).size).toBe(3);
    expect(a.id).toMatch(/^aud-email-instant-[A-Za-z0-9]{12}$/);
  });

  it('routes a story to every audience that follows one of its topics, once', () => {
    const energy = audienceFor('email', ['energy'], 'instant');
    const both = audienceFor('sms', ['energy', 'finance-trade'], 'instant');
    const treaty = audienceFor('email', ['agreement-status'], 'daily');

    const routed = audiencesForTopics([energy, both, treaty], ['energy', 'finance-trade']);

    expect(routed).toEqual([energy, both]);
  });
});
