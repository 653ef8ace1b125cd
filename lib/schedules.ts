/**
 * The schedules of news-alerts: the poll's (configurable, checked at synth) and the digest's.
 */
import { z } from 'zod';

export const DEFAULT_POLL_SCHEDULE = 'rate(15 minutes)';
export const DIGEST_SCHEDULE = 'rate(1 hour)';

export class InvalidPollScheduleError extends Error {
  override readonly name = 'InvalidPollScheduleError';
}

const RATE_EXPRESSION = /^rate\((?<value>\d+) (?<unit>minute|hour|day)(?<plural>s?)\)$/;
const CRON_EXPRESSION = /^cron\((?<fields>[^()]*)\)$/;
const CRON_FIELD = /^[0-9A-Za-z,\-*?/#]+$/;

/** What is wrong with an EventBridge schedule expression, or undefined when nothing is. */
function scheduleProblem(expression: string): string | undefined {
  const rate = RATE_EXPRESSION.exec(expression)?.groups;
  if (rate) {
    const value = Number(rate.value);
    const plural = rate.plural === 's';
    if (value < 1) return 'a rate must be at least 1';
    if (value === 1 && plural) return `EventBridge wants the singular: rate(1 ${rate.unit})`;
    if (value > 1 && !plural) return `EventBridge wants the plural: rate(${value} ${rate.unit}s)`;
    return undefined;
  }
  const cron = CRON_EXPRESSION.exec(expression)?.groups;
  if (cron) {
    const fields = (cron.fields ?? '').trim().split(/\s+/);
    if (fields.length !== 6) {
      return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
    }
    if (!fields.every((field) => CRON_FIELD.test(field))) {
      return 'a cron field may hold only digits, names and , - * ? / L W #';
    }
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      return 'exactly one of day-of-month and day-of-week must be ?';
    }
    return undefined;
  }
  return 'expected rate(<n> <minute|hour|day>[s]) or cron(<6 fields>)';
}

/** The poll schedule as a zod schema, for configs that hold one (lib/deployment-config.ts). */
export const PollScheduleSchema = z
  .string({ error: 'it must be a string' })
  .trim()
  .superRefine((expression, context) => {
    const problem = scheduleProblem(expression);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/**
 * Checks a poll schedule (from CDK context or props) and returns it trimmed. CloudFormation would
 * reject a bad expression only halfway through a deploy, and roll it back; this fails synth.
 */
export function parsePollSchedule(value: unknown): string {
  const result = PollScheduleSchema.safeParse(value);
  if (result.success) return result.data;
  const reasons = result.error.issues.map((issue) => issue.message).join('; ');
  throw new InvalidPollScheduleError(
    `Invalid pollSchedule ${JSON.stringify(value)}: ${reasons}. ` +
      `Pass an EventBridge schedule expression, e.g. -c pollSchedule="${DEFAULT_POLL_SCHEDULE}" ` +
      'or -c pollSchedule="cron(0/15 * * * ? *)".',
  );
}

const MINUTES_PER_UNIT = { minute: 1, hour: 60, day: 1440 } as const;
/** The longest period a CloudWatch alarm may evaluate over in one datapoint. */
const MAX_ALARM_PERIOD_MINUTES = 1440;

/**
 * How long without a single dispatcher run means the schedule has stopped: two intervals of a
 * rate (one late tick is not an outage), at least 10 minutes, at most a day; for a cron
 * expression, whose gaps we do not compute, a day.
 */
export function heartbeatPeriodMinutes(schedule: string): number {
  const rate = RATE_EXPRESSION.exec(schedule)?.groups;
  if (!rate) return MAX_ALARM_PERIOD_MINUTES;
  const interval =
    Number(rate.value) * MINUTES_PER_UNIT[rate.unit as keyof typeof MINUTES_PER_UNIT];
  return Math.min(MAX_ALARM_PERIOD_MINUTES, Math.max(10, 2 * interval));
}
