/**
 * When a feed is polled next: the pure scheduling rules, learnt per feed from how often it brings
 * new items, floored by the server's hints and bounded by configuration.
 *
 * The trade-off this module exists for: a poll that finds nothing new writes nothing (a 304 or an
 * unchanged 200 costs no DynamoDB write), yet `nextPollAt` is only moved by a write. Left alone,
 * a quiet feed would stay due, and be fetched, on every tick after its first due time. So a feed
 * is not due "from `nextPollAt` on" but in windows: at `nextPollAt`, `nextPollAt + intervalMs`,
 * `nextPollAt + 2·intervalMs`, …, each `dueWindowMs` (one schedule tick) wide. With ticks one
 * `dueWindowMs` apart, exactly one tick falls in each window, so a quiet feed is fetched once per
 * interval and never written (`isDueAt`). The cost: a tick that is skipped altogether (a failed
 * or throttled run) delays the feeds whose window it was by one interval.
 *
 * Writes happen when the feed is written anyway (new items, new validators, errors, recovery),
 * and, to let a quiet feed slow down, on a quiet poll whose silence would at least double the
 * learnt interval or brings it to the cap (`quietPollRewrite`): at most log2(max/min) + 1 such
 * writes per quiet spell (about twelve from one minute to a day), none once at the cap.
 */

export interface ScheduleSettings {
  /** The schedule's tick: how often due feeds are listed. */
  pollIntervalMs: number;
  /** Shortest learnt interval (default: the tick). */
  minIntervalMs: number;
  /** Longest interval, whatever the feed or its server says. */
  maxIntervalMs: number;
}

/** What the feed stores about its schedule. */
export interface ScheduleState {
  /** Learnt gap between new items (ms). */
  learnedIntervalMs?: number;
  /** ISO time of the last poll that found new items. */
  lastNewItemsAt?: string;
}

/** How far one new observation moves the estimate: recent behaviour counts half. */
export const LEARNING_WEIGHT = 0.5;

/** A quiet poll is written only when the interval would grow by at least this factor. */
export const QUIET_GROWTH_TO_WRITE = 2;

function clamp(value: number, settings: ScheduleSettings): number {
  return Math.min(Math.max(value, settings.minIntervalMs), settings.maxIntervalMs);
}

/**
 * The learnt interval after one poll. News: the gap since the last news, shared among the new
 * items, pulls the estimate towards it (a feed polled every 24 h that brings 48 items is about
 * half-hourly, so the estimate halves each poll until polls find about one item). Silence: a
 * silence longer than the estimate is a lower bound on the gap and pulls it up; a shorter one
 * says nothing.
 */
export function learnInterval(
  state: ScheduleState,
  observation: { now: Date; newItems: number },
  settings: ScheduleSettings,
): number {
  const previous = clamp(state.learnedIntervalMs ?? settings.minIntervalMs, settings);
  const since = state.lastNewItemsAt ? Date.parse(state.lastNewItemsAt) : Number.NaN;
  if (Number.isNaN(since)) return previous;
  const silence = Math.max(0, observation.now.getTime() - since);
  let gap: number;
  if (observation.newItems > 0) gap = silence / observation.newItems;
  else if (silence > previous) gap = silence;
  else return previous;
  return clamp(Math.round(LEARNING_WEIGHT * gap + (1 - LEARNING_WEIGHT) * previous), settings);
}

/**
 * A quiet poll writes only when its silence at least doubles the learnt interval, or brings it
 * to the cap (else a feed within a factor two of the cap would never reach it).
 */
export function quietPollRewrite(
  state: ScheduleState,
  now: Date,
  settings: ScheduleSettings,
): boolean {
  const previous = clamp(state.learnedIntervalMs ?? settings.minIntervalMs, settings);
  const learned = learnInterval(state, { now, newItems: 0 }, settings);
  return (
    learned >= QUIET_GROWTH_TO_WRITE * previous ||
    (learned === settings.maxIntervalMs && previous < settings.maxIntervalMs)
  );
}

/** The poll schedule written with a feed's state. */
export interface NextPoll {
  /** First due time. */
  nextPollAt: Date;
  /** Spacing of the due windows after it. */
  intervalMs: number;
  /** Width of each due window: one tick. */
  dueWindowMs: number;
}

/**
 * The next poll after a successful one. The learnt interval is counted in ticks: the feed is due
 * at the tick that falls `interval` after the tick that polled it, hence one tick less (a feed at
 * the minimum is due at the next tick, as before). A server hint is a hard floor measured from
 * now: never earlier than the hint, never later than the cap.
 */
export function nextPollAfter(
  now: Date,
  learnedIntervalMs: number,
  hintMs: number | undefined,
  settings: ScheduleSettings,
): NextPoll {
  const hint = Math.min(Math.max(0, hintMs ?? 0), settings.maxIntervalMs);
  const intervalMs = Math.min(Math.max(learnedIntervalMs, hint), settings.maxIntervalMs);
  const wait = Math.max(learnedIntervalMs - settings.pollIntervalMs, hint, 0);
  return {
    nextPollAt: new Date(now.getTime() + Math.min(wait, settings.maxIntervalMs)),
    intervalMs,
    dueWindowMs: settings.pollIntervalMs,
  };
}

/**
 * Whether a feed is due at `now`: from `nextPollAt` on, in windows `dueWindowMs` wide every
 * `intervalMs`. A feed stored without a window (older state, after an error) is due throughout.
 */
export function isDueAt(
  feed: { nextPollAt: string; intervalMs?: number; dueWindowMs?: number },
  now: Date,
): boolean {
  const elapsed = now.getTime() - Date.parse(feed.nextPollAt);
  if (Number.isNaN(elapsed) || elapsed < 0) return Number.isNaN(elapsed);
  const { intervalMs, dueWindowMs } = feed;
  if (!intervalMs || !dueWindowMs || dueWindowMs >= intervalMs) return true;
  return elapsed % intervalMs < dueWindowMs;
}

/**
 * When the feed is next due, as `now` sees it: `nextPollAt` while it is ahead, else the start of
 * the due window that `now` is in or that comes next. A time at or before `now` means "due at the
 * next tick".
 */
export function nextDueAt(
  feed: { nextPollAt: string; intervalMs?: number; dueWindowMs?: number },
  now: Date,
): Date {
  const start = Date.parse(feed.nextPollAt);
  const elapsed = now.getTime() - start;
  if (Number.isNaN(elapsed)) return now;
  if (elapsed < 0) return new Date(start);
  const { intervalMs, dueWindowMs } = feed;
  if (!intervalMs || !dueWindowMs || dueWindowMs >= intervalMs) return new Date(start);
  const windowStart = start + Math.floor(elapsed / intervalMs) * intervalMs;
  return new Date(elapsed % intervalMs < dueWindowMs ? windowStart : windowStart + intervalMs);
}

const SYNDICATION_PERIOD_MS: Record<string, number> = {
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
  monthly: 30 * 86_400_000,
  yearly: 365 * 86_400_000,
};

/** The wait the feed itself asks for: RSS `<ttl>` minutes and `sy:updatePeriod`/`Frequency`. */
export function feedHintMs(feed: {
  ttlMinutes?: string;
  updatePeriod?: string;
  updateFrequency?: string;
}): number | undefined {
  const hints: number[] = [];
  const ttl = Number(feed.ttlMinutes);
  if (feed.ttlMinutes && Number.isFinite(ttl) && ttl > 0) hints.push(ttl * 60_000);
  const period = SYNDICATION_PERIOD_MS[(feed.updatePeriod ?? '').trim().toLowerCase()];
  if (period !== undefined) {
    const frequency = Number(feed.updateFrequency ?? '1');
    const times = Number.isFinite(frequency) && frequency >= 1 ? Math.floor(frequency) : 1;
    hints.push(period / times);
  }
  return hints.length ? Math.max(...hints) : undefined;
}

/** The wait HTTP caching asks for: `Cache-Control: max-age` (or `no-cache`), else `Expires`. */
export function httpHintMs(
  headers: { cacheControl?: string; expires?: string; date?: string; age?: string },
  now: Date,
): number | undefined {
  const directives = (headers.cacheControl ?? '').toLowerCase();
  if (/(?:^|,)\s*(?:no-cache|no-store)\b/.test(directives)) return undefined;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)/.exec(directives)?.[1];
  if (maxAge !== undefined) {
    const age = Number(headers.age);
    return Math.max(0, Number(maxAge) - (Number.isFinite(age) ? age : 0)) * 1000;
  }
  if (!headers.expires) return undefined;
  const expires = Date.parse(headers.expires);
  if (Number.isNaN(expires)) return undefined;
  // Measured against the server's own Date when it sent one, so clock skew does not count.
  const served = headers.date ? Date.parse(headers.date) : Number.NaN;
  const base = Number.isNaN(served) ? now.getTime() : served;
  return Math.max(0, expires - base);
}
