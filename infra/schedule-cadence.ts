import { Duration } from 'aws-cdk-lib';
import { MAX_LOOK_BACK_MS } from '#reaper/core/brake';
import { SETTINGS, timeZoneProblem } from '#reaper/settings';

/** Every five minutes: a stale lock waits at most one interval (plus its grace) before it is freed. */
export const DEFAULT_SCHEDULE_EXPRESSION = SETTINGS.scheduleExpression.default;
/** The time zone cron expressions are read in. */
export const DEFAULT_SCHEDULE_TIME_ZONE = SETTINGS.scheduleTimeZone.default;

/** A recurring EventBridge Scheduler expression, understood well enough to size the alarms that watch it. */
export type ScheduleCadence =
  | { readonly kind: 'rate'; readonly expression: string; readonly interval: Duration }
  | { readonly kind: 'cron'; readonly expression: string };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
// Six fields: minutes hours day-of-month month day-of-week year.
const CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;

/**
 * Parses a recurring schedule expression, `rate(<n> <unit>)` or `cron(<6 fields>)`; one-time `at(...)` is refused.
 * Throws an Error whose message starts with `label` (the prop that held the value).
 */
export function parseScheduleCadence(expression: string, label: string): ScheduleCadence {
  const cadence = readScheduleCadence(expression);
  if ('problem' in cadence) throw new Error(`${label}: ${cadence.problem}`);
  return cadence;
}

/** The cadence of a recurring schedule expression, or the problem with it. */
export function readScheduleCadence(expression: string): ScheduleCadence | { readonly problem: string } {
  const trimmed = expression.trim();
  const rate = RATE.exec(trimmed);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1) return { problem: `"${trimmed}" must be at least 1` };
    // Scheduler rejects "rate(1 minutes)" and "rate(5 minute)".
    if ((value === 1) !== !unit.endsWith('s')) {
      return { problem: `"${trimmed}" must use the singular unit for 1 and the plural otherwise` };
    }
    const interval = unit.startsWith('minute')
      ? Duration.minutes(value)
      : unit.startsWith('hour')
        ? Duration.hours(value)
        : Duration.days(value);
    // The brake counts as newly stale what went stale since the previous complete run, at most 24 h back: a longer
    // gap between runs would turn a mass expiry in it into backlog, unlocked without the brake.
    if (interval.toMilliseconds() > MAX_LOOK_BACK_MS) {
      return {
        problem: `"${trimmed}" is longer than 24 h, the mass-expiry brake's look-back: locks that went stale earlier in a gap would be unlocked as backlog without the brake. Use a rate of at most 24 h, or a cron() schedule (docs/deploy.md, "Schedule gaps and the brake")`,
      };
    }
    return { kind: 'rate', expression: trimmed, interval };
  }
  if (CRON.test(trimmed)) return { kind: 'cron', expression: trimmed };
  return {
    problem: `"${trimmed}" is not a recurring schedule; use rate(<n> minute[s]|hour[s]|day[s]) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`,
  };
}

/** Checks an IANA time zone name (e.g. "Europe/Paris") against the runtime's time zone database. */
export function assertTimeZone(timeZone: string, label: string): void {
  const problem = timeZoneProblem(timeZone);
  if (problem) throw new Error(`${label}: ${problem}`);
}
