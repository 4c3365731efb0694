import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Clock } from '#reaper/core/ports';
import { BRAKE_ROW_KEY, TABLE_KEY } from '#reaper/table-contract';

/** A local run refuses a clock further off than this, whatever the grace (the Date header's second, plus room). */
export const MIN_REFUSED_SKEW_MS = 2_000;
/** …or than this share of the grace, when that is larger: the grace is there to absorb clock skew. */
export const REFUSED_SKEW_SHARE_OF_GRACE = 0.25;
/**
 * …but never more than this, whatever the grace: a claim lasts at most 15 minutes, so a clock further off could take
 * over a claim the Lambda still holds (a 7-day grace would otherwise let a clock 42 hours fast through).
 */
export const MAX_REFUSED_SKEW_MS = 60_000;
/** The Date header names a whole second: the server's clock read anywhere within it. */
const DATE_HEADER_RESOLUTION_MS = 1_000;

/** This machine's clock is too far from AWS's for a run that writes or unlocks: fix the clock, or run dry. */
export class ClockSkewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClockSkewError';
  }
}

/** How far off a clock may be for a run with this grace. */
export function refusedSkewMs(graceSeconds: number): number {
  return Math.min(MAX_REFUSED_SKEW_MS, Math.max(MIN_REFUSED_SKEW_MS, graceSeconds * 1000 * REFUSED_SKEW_SHARE_OF_GRACE));
}

/**
 * The smallest skew (local minus AWS, in ms; positive: this machine is ahead) that fits one reading: the server put
 * its clock, cut to the second, in the Date header at some moment between sending and receiving (local clock). A
 * right clock therefore reads 0 whatever the header's rounding and the round trip, so a grace of 0 still runs.
 */
export function leastSkewMs(reading: { dateHeaderMs: number; sentAtMs: number; receivedAtMs: number }): number {
  const mostAhead = reading.receivedAtMs - reading.dateHeaderMs;
  const mostBehind = reading.sentAtMs - (reading.dateHeaderMs + DATE_HEADER_RESOLUTION_MS);
  if (mostBehind > 0) return mostBehind;
  if (mostAhead < 0) return mostAhead;
  return 0;
}

/** A GetItem of the brake's row, its key only: a read every run makes anyway, so it needs no extra permission. */
export function brakeRowKeyRead(tableName: string): GetItemCommand {
  return new GetItemCommand({
    TableName: tableName,
    Key: { [TABLE_KEY]: { S: BRAKE_ROW_KEY } },
    ProjectionExpression: '#key',
    ExpressionAttributeNames: { '#key': TABLE_KEY },
  });
}

/**
 * Reads AWS's clock: the Date header of a DynamoDB answer (a GetItem of the brake's row, which needs no permission a
 * run does not already need), with the local clock read just before sending and just after the answer.
 */
export async function readAwsClock(
  dynamo: DynamoDBClient,
  tableName: string,
  clock: Clock,
): Promise<{ dateHeaderMs: number; sentAtMs: number; receivedAtMs: number }> {
  const command = brakeRowKeyRead(tableName);
  let dateHeader: string | undefined;
  let sentAtMs = 0;
  // At the deserialize step the raw HTTP answer is in hand; each retry attempt passes here again, so the header kept
  // is the last answer's, and the send time is taken at the same step, per attempt.
  command.middlewareStack.add(
    (next) => async (args) => {
      sentAtMs = clock.now();
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string | undefined> } | undefined)?.headers ?? {};
      dateHeader = headers.date ?? headers.Date;
      return result;
    },
    { step: 'deserialize', name: 'readDateHeader' },
  );
  await dynamo.send(command);
  const receivedAtMs = clock.now();
  const dateHeaderMs = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
  if (!Number.isFinite(dateHeaderMs)) {
    throw new ClockSkewError(
      `DynamoDB's answer has no readable Date header (${dateHeader === undefined ? 'none' : JSON.stringify(dateHeader.slice(0, 40))}), so this machine's clock cannot be checked; nothing was done`,
    );
  }
  return { dateHeaderMs, sentAtMs, receivedAtMs };
}

/**
 * Refuses (ClockSkewError, exit 2) a run that writes or unlocks from a machine whose clock is further from AWS's than
 * the larger of 2 s and a quarter of the grace, capped at 60 s: a clock 2 minutes fast would free live locks and take
 * a Lambda's live claim for an expired one.
 */
export async function assertClockAgreesWithAws(options: {
  dynamo: DynamoDBClient;
  tableName: string;
  clock: Clock;
  graceSeconds: number;
}): Promise<void> {
  const skewMs = leastSkewMs(await readAwsClock(options.dynamo, options.tableName, options.clock));
  const limitMs = refusedSkewMs(options.graceSeconds);
  if (Math.abs(skewMs) <= limitMs) return;
  throw new ClockSkewError(clockSkewRefusal(skewMs, options.graceSeconds));
}

/** Why a run is refused for a clock `skewMs` from AWS's (positive: ahead), the skew a lower bound of the truth. */
export function clockSkewRefusal(skewMs: number, graceSeconds: number): string {
  // Rounded down: the skew is a lower bound ("at least"), which rounding up could overstate.
  const atLeast = (ms: number) => `${(Math.floor(Math.abs(ms) / 100) / 10).toFixed(1)} s`;
  const seconds = (ms: number) => `${(Math.abs(ms) / 1000).toFixed(1)} s`;
  return (
    `this machine's clock is at least ${atLeast(skewMs)} ${skewMs > 0 ? 'ahead of' : 'behind'} AWS's (the Date header of a DynamoDB answer); ` +
    `a local run that writes or unlocks allows ${seconds(refusedSkewMs(graceSeconds))} (the larger of ${MIN_REFUSED_SKEW_MS / 1000} s and a quarter of the ${graceSeconds} s grace, at most ${MAX_REFUSED_SKEW_MS / 1000} s). ` +
    "Set the clock right (timedatectl set-ntp true, or your OS's time settings) and run again; a --dry-run does not need it"
  );
}
