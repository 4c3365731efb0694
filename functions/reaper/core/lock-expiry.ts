import { preview } from './asset-id';
import type { AttributeReading } from './tracked-canvas';

type LockExpiry = { kind: 'absent' } | { kind: 'valid'; at: number; raw: string } | { kind: 'invalid'; problem: string };

/**
 * ISO-8601 date-time with an explicit zone, as the Scenario API returns it ("2023-02-03T11:19:41.579Z").
 * A date without a zone is refused: reading it as local or UTC time would be a guess, and a wrong guess frees a live lock.
 */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseLockExpiry(reading: AttributeReading): LockExpiry {
  if (reading.kind === 'absent') return { kind: 'absent' };
  if (reading.kind === 'other') {
    return { kind: 'invalid', problem: `lockExpiresAt is a DynamoDB ${reading.dynamoType} (${reading.preview}), not an ISO-8601 string` };
  }
  const raw = reading.value;
  const match = ISO_DATE_TIME.exec(raw);
  if (!match) return { kind: 'invalid', problem: `lockExpiresAt ${preview(raw)} is not an ISO-8601 date-time with a time zone` };
  const [, year, month, day, hour, minute, second] = match;
  const at = Date.parse(raw);
  if (
    Number.isNaN(at) ||
    !isRealCalendarDate(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second ?? 0))
  ) {
    return { kind: 'invalid', problem: `lockExpiresAt ${preview(raw)} is not a real date and time` };
  }
  return { kind: 'valid', at, raw };
}

function isRealCalendarDate(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  // Date.parse rolls 2024-02-30 over to March 1st; a date that does not exist is a corrupted row, not a lock.
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes the year as given.
  const lastDayOfMonth = new Date(0);
  lastDayOfMonth.setUTCFullYear(year, month, 0);
  const daysInMonth = lastDayOfMonth.getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}
