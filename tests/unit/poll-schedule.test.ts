import { describe, expect, it } from 'vitest';
import {
  feedHintMs,
  httpHintMs,
  isDueAt,
  learnInterval,
  nextDueAt,
  nextPollAfter,
  quietPollRewrite,
  type ScheduleSettings,
} from '../../functions/core/feeds/poll-schedule';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const settings: ScheduleSettings = {
  pollIntervalMs: MINUTE,
  minIntervalMs: MINUTE,
  maxIntervalMs: 24 * HOUR,
};
const t0 = new Date('2025-05-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('learnInterval', () => {
  it('keeps the minimum for a feed with news at every tick', () => {
    // Prepare
    const state = { learnedIntervalMs: MINUTE, lastNewItemsAt: t0.toISOString() };

    // Act
    const learned = learnInterval(state, { now: at(MINUTE), newItems: 3 }, settings);

    // Assess
    expect(learned).toBe(MINUTE);
  });

  it('shares the gap among the new items, so a busy feed polled rarely speeds up', () => {
    // Prepare: polled daily, 48 new items: about one every half hour.
    const state = { learnedIntervalMs: 24 * HOUR, lastNewItemsAt: t0.toISOString() };

    // Act
    const learned = learnInterval(state, { now: at(24 * HOUR), newItems: 48 }, settings);

    // Assess: half of the way from 24 h to 30 min.
    expect(learned).toBe((24 * HOUR + 30 * MINUTE) / 2);
  });

  it('lengthens on a silence longer than the estimate and ignores a shorter one', () => {
    const state = { learnedIntervalMs: 10 * MINUTE, lastNewItemsAt: t0.toISOString() };

    expect(learnInterval(state, { now: at(5 * MINUTE), newItems: 0 }, settings)).toBe(10 * MINUTE);
    expect(learnInterval(state, { now: at(30 * MINUTE), newItems: 0 }, settings)).toBe(20 * MINUTE);
  });

  it('stays within the minimum and the maximum', () => {
    const state = { learnedIntervalMs: 20 * HOUR, lastNewItemsAt: t0.toISOString() };

    expect(learnInterval(state, { now: at(30 * 24 * HOUR), newItems: 0 }, settings)).toBe(
      24 * HOUR,
    );
    expect(learnInterval(state, { now: at(1000), newItems: 500 }, settings)).toBe(10 * HOUR + 1);
    expect(
      learnInterval(
        { learnedIntervalMs: MINUTE, lastNewItemsAt: t0.toISOString() },
        { now: at(1000), newItems: 500 },
        settings,
      ),
    ).toBe(MINUTE);
  });

  it('starts at the minimum when nothing is known yet', () => {
    expect(learnInterval({}, { now: t0, newItems: 20 }, settings)).toBe(MINUTE);
  });
});

describe('quietPollRewrite', () => {
  it('asks for a write only when the silence at least doubles the interval', () => {
    const state = { learnedIntervalMs: HOUR, lastNewItemsAt: t0.toISOString() };

    // (1 h + silence) / 2 ≥ 2 h once the silence reaches 3 h.
    expect(quietPollRewrite(state, at(2 * HOUR), settings)).toBe(false);
    expect(quietPollRewrite(state, at(3 * HOUR - 2_000), settings)).toBe(false);
    expect(quietPollRewrite(state, at(3 * HOUR), settings)).toBe(true);
  });

  it('asks once more to reach the cap from within a factor two of it', () => {
    const state = { learnedIntervalMs: 19 * HOUR, lastNewItemsAt: t0.toISOString() };

    expect(quietPollRewrite(state, at(28 * HOUR), settings)).toBe(false);
    expect(quietPollRewrite(state, at(29 * HOUR), settings)).toBe(true);
  });

  it('never asks once the interval is at the cap, nor on the same tick', () => {
    expect(
      quietPollRewrite(
        { learnedIntervalMs: 24 * HOUR, lastNewItemsAt: t0.toISOString() },
        at(1000 * HOUR),
        settings,
      ),
    ).toBe(false);
    expect(
      quietPollRewrite(
        { learnedIntervalMs: MINUTE, lastNewItemsAt: t0.toISOString() },
        t0,
        settings,
      ),
    ).toBe(false);
  });
});

describe('nextPollAfter', () => {
  it('makes a feed at the minimum due at the next tick, as a plain schedule would', () => {
    expect(nextPollAfter(t0, MINUTE, undefined, settings)).toEqual({
      nextPollAt: t0,
      intervalMs: MINUTE,
      dueWindowMs: MINUTE,
    });
  });

  it('counts a learnt interval in ticks: due at the tick that interval after this one', () => {
    expect(nextPollAfter(t0, 10 * MINUTE, undefined, settings)).toMatchObject({
      nextPollAt: at(9 * MINUTE),
      intervalMs: 10 * MINUTE,
    });
  });

  it('never comes before a server hint, measured from now', () => {
    expect(nextPollAfter(t0, MINUTE, 5 * MINUTE, settings)).toMatchObject({
      nextPollAt: at(5 * MINUTE),
      intervalMs: 5 * MINUTE,
    });
  });

  it('caps a hint at the maximum interval', () => {
    expect(nextPollAfter(t0, MINUTE, 30 * 24 * HOUR, settings)).toMatchObject({
      nextPollAt: at(24 * HOUR),
      intervalMs: 24 * HOUR,
    });
  });
});

describe('isDueAt', () => {
  const feed = {
    nextPollAt: t0.toISOString(),
    intervalMs: 10 * MINUTE,
    dueWindowMs: MINUTE,
  };

  it('is due once per interval, in a window one tick wide', () => {
    expect(isDueAt(feed, at(-1))).toBe(false);
    expect(isDueAt(feed, t0)).toBe(true);
    expect(isDueAt(feed, at(MINUTE - 1))).toBe(true);
    expect(isDueAt(feed, at(MINUTE))).toBe(false);
    expect(isDueAt(feed, at(9 * MINUTE))).toBe(false);
    expect(isDueAt(feed, at(10 * MINUTE + 30_000))).toBe(true);
  });

  it('finds exactly one tick in every window', () => {
    const ticks = Array.from({ length: 100 }, (_, tick) => at(tick * MINUTE + 7_000));
    expect(ticks.filter((tick) => isDueAt(feed, tick))).toHaveLength(10);
  });

  it('is due throughout without windows (after errors, older state)', () => {
    expect(isDueAt({ nextPollAt: t0.toISOString() }, at(7 * MINUTE))).toBe(true);
  });
});

describe('nextDueAt', () => {
  const feed = { nextPollAt: t0.toISOString(), intervalMs: 10 * MINUTE, dueWindowMs: MINUTE };

  it('is nextPollAt while that is ahead', () => {
    expect(nextDueAt(feed, at(-5 * MINUTE))).toEqual(t0);
  });

  it('is the window now is in, else the next one, and agrees with isDueAt', () => {
    expect(nextDueAt(feed, at(30_000))).toEqual(t0);
    expect(nextDueAt(feed, at(MINUTE))).toEqual(at(10 * MINUTE));
    expect(nextDueAt(feed, at(25 * MINUTE))).toEqual(at(30 * MINUTE));
    for (let minute = 0; minute < 40; minute++) {
      const now = at(minute * MINUTE + 5_000);
      expect(nextDueAt(feed, now) <= now).toBe(isDueAt(feed, now));
    }
  });

  it('is nextPollAt for a feed due throughout', () => {
    expect(nextDueAt({ nextPollAt: t0.toISOString() }, at(7 * MINUTE))).toEqual(t0);
  });
});

describe('server hints', () => {
  it('reads max-age, minus Age, and ignores it under no-cache', () => {
    expect(httpHintMs({ cacheControl: 'public, max-age=300' }, t0)).toBe(300_000);
    expect(httpHintMs({ cacheControl: 'max-age=300', age: '100' }, t0)).toBe(200_000);
    expect(httpHintMs({ cacheControl: 'no-cache, max-age=300' }, t0)).toBeUndefined();
  });

  it('reads Expires against the server Date, else our clock', () => {
    expect(
      httpHintMs(
        { expires: 'Thu, 01 May 2025 12:10:00 GMT', date: 'Thu, 01 May 2025 12:00:00 GMT' },
        t0,
      ),
    ).toBe(10 * MINUTE);
    expect(httpHintMs({ expires: 'Thu, 01 May 2025 10:05:00 GMT' }, t0)).toBe(5 * MINUTE);
    // `Expires: 0` and past dates mean "already stale": no wait.
    expect(httpHintMs({ expires: '0' }, t0)).toBe(0);
  });

  it('reads RSS ttl and the syndication module, taking the longer', () => {
    expect(feedHintMs({ ttlMinutes: '15' })).toBe(15 * MINUTE);
    expect(feedHintMs({ updatePeriod: 'hourly', updateFrequency: '2' })).toBe(30 * MINUTE);
    expect(feedHintMs({ ttlMinutes: '60', updatePeriod: 'daily' })).toBe(24 * HOUR);
    expect(feedHintMs({ ttlMinutes: 'soon', updatePeriod: 'sometimes' })).toBeUndefined();
  });
});
