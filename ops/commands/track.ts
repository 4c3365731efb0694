import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import { assetIdProblem } from '#reaper/core/asset-id';
import { parseLockExpiry } from '#reaper/core/lock-expiry';
import { projectIdProblem } from '#reaper/core/project';
import { stringReading } from '#reaper/core/tracked-canvas';
import { judgeCanvas } from '#reaper/core/verdict';
import { isReservedKey } from '#reaper/table-contract';
import { systemClock } from '#reaper/wiring';
import { confirmed, type OpsCommand, type OpsIo } from '../io';
import { assertClockAgreesWithAws } from '../kit/clock-skew';
import { EXIT } from '../kit/exit-codes';
import { terminalSafe } from '../kit/terminal-text';
import { relativeTime } from '../kit/text-table';
import { UsageError } from '../kit/usage-error';
import { loadTableConfig, onTable, resolveTableTarget, TABLE_TARGET_HELP, TABLE_TARGET_OPTIONS } from '../table-target';
import { stepOn } from '../target';
import { trackCanvas, untrackCanvas } from '../tracked-canvas-writer';
import { canvasOf, type RawRow, readRow } from '../tracked-rows';

export const TRACK_USAGE = `Usage: npm run ops -- track <assetId> --lock-expires-at <ISO-8601> [--lock-id <id>] [--project <projectId>] [--yes]

Writes the tracked row for a canvas in the table contract's shape (assetId, lockExpiresAt, lockId), keeping any
other attribute the row already has. Without --lock-id, an old lockId is removed. --project sets the row's
Scenario project (projectId: the reaper unlocks it with that project's key); without it, the row's project is kept.
The write applies only if the row still holds what was read just before (else nothing is written, exit 1).
Writing an expiry that has already passed over a row that holds a live lock hands that lock to the next reap:
it asks for confirmation (--yes when not at a terminal).
Example: npm run ops -- track asset_GTrL3mq4SXWyMxkOHRxlpw --lock-expires-at 2026-11-27T12:00:00Z --lock-id lk_123
Refused (exit 2) when this machine's clock is more than the larger of 2 s and a quarter of the grace (at most 60 s) from AWS's.

Options:
  --lock-expires-at ISO  the lock's expiry (required)
  --lock-id ID           the lock's id
  --project ID           the row's Scenario project
  --yes                  do not ask for confirmation (needed when not at a terminal)
${TABLE_TARGET_HELP}
It says its target (table, region, endpoint or account) on stderr first.
Exit codes: 0 written; 1 the write failed or the row changed meanwhile; 2 usage or configuration
error, a clock too far off, or confirmation refused.`;

export const UNTRACK_USAGE = `Usage: npm run ops -- untrack <assetId> [--yes]

Removes the tracked row of a canvas (the reaper never deletes rows; this is how a row for a deleted asset goes,
and how an invalid row, whatever its key, is cleared). Keys beginning with "#" are the reaper's own (the brake's
state) and are refused (exit 2): release the brake with invoke --override-brake.
Prints what the row held. Untracking a canvas that is not tracked is not an error.
The delete applies only if the row still holds the lock that was read just before (else nothing is removed, exit 1).
A row that holds a lock is one the reaper would never free once untracked: it asks for confirmation (--yes when
not at a terminal).

Options:
  --yes                do not ask for confirmation (needed when not at a terminal)
${TABLE_TARGET_HELP}
It says its target (table, region, endpoint or account) on stderr first.
Exit codes: 0 removed (or was not there); 1 the delete failed or the row changed meanwhile;
2 usage or configuration error, or confirmation refused.`;

const MAX_LOCK_ID_LENGTH = 256;
const DYNAMODB_KEY_MAX_BYTES = 2048;

/**
 * Keys beginning with "#" are the reaper's own rows (the brake's state): a person changes them only through the
 * reaper, which records who released what and when.
 */
function refuseReservedKey(key: string): void {
  if (isReservedKey(key))
    throw new UsageError(
      `${terminalSafe(key)} is reserved: a key the reaper keeps for itself (the mass-expiry brake's state), not a tracked canvas; ` +
        'to release the brake, run: npm run ops -- invoke --override-brake [--project ID]... (or npm run reap -- --override-brake)',
    );
}

function requireAssetId(value: string | undefined): string {
  if (value !== undefined) refuseReservedKey(value);
  const problem = assetIdProblem(value);
  if (problem || value === undefined) throw new UsageError(problem ?? 'an asset id is required');
  return value;
}

/** "lockExpiresAt 2026-…Z (expires in 4m), lockId lk_1": a row's lock as a person reads it, escaped. */
function describeLock(row: RawRow, now: number): string {
  const canvas = canvasOf(row);
  const expiry = parseLockExpiry(canvas.lockExpiresAt);
  const shown = (reading: typeof canvas.lockId) =>
    terminalSafe(reading.kind === 'string' ? reading.value : reading.kind === 'other' ? reading.preview : '(none)');
  const when = expiry.kind === 'valid' ? ` (${expiry.at > now ? 'expires' : 'expired'} ${relativeTime((expiry.at - now) / 1000)})` : '';
  return `lockExpiresAt ${shown(canvas.lockExpiresAt)}${when}, lockId ${shown(canvas.lockId)}`;
}

function rowChanged(io: OpsIo, command: string, key: string, now: RawRow | undefined, clock: number): number {
  const holds = now ? `it now holds ${describeLock(now, clock)}` : 'it is gone';
  io.stderr(
    `ops ${command}: ${terminalSafe(key)} changed after it was read (${holds}); nothing was done. Look again (npm run ops -- status) and rerun.\n`,
  );
  return EXIT.canvasFailedOrInvalid;
}

export const trackCommand: OpsCommand = {
  usage: TRACK_USAGE,
  flags: {
    'lock-expires-at': { type: 'string' },
    'lock-id': { type: 'string' },
    project: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    ...TABLE_TARGET_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  run: async (values, positionals, io) => {
    const assetId = requireAssetId(positionals[0]);
    const lockExpiresAt = values['lock-expires-at'] as string | undefined;
    if (lockExpiresAt === undefined) throw new UsageError('--lock-expires-at is required');
    const expiry = parseLockExpiry(stringReading(lockExpiresAt));
    if (expiry.kind !== 'valid')
      throw new UsageError(`--lock-expires-at: ${expiry.kind === 'invalid' ? expiry.problem.replace(/^lockExpiresAt /, '') : 'missing'}`);
    const lockId = values['lock-id'] as string | undefined;
    if (lockId !== undefined && (lockId.trim() === '' || lockId.length > MAX_LOCK_ID_LENGTH)) {
      throw new UsageError(`--lock-id must be 1 to ${MAX_LOCK_ID_LENGTH} characters`);
    }
    const projectId = values.project as string | undefined;
    const projectProblem = projectId === undefined ? undefined : projectIdProblem(projectId);
    if (projectProblem) throw new UsageError(`--project: ${projectProblem.replace(/^projectId /, '')}`);
    const { env, clients, target } = await resolveTableTarget('track', values, io);
    const config = loadTableConfig(env);
    const { dynamo } = clients;
    // Whether the expiry written has passed, and whether the row's lock is live, are judged by this machine's clock.
    await onTable(target, () =>
      assertClockAgreesWithAws({ dynamo, tableName: config.tableName, clock: systemClock, graceSeconds: config.graceSeconds }),
    );
    const where = `${assetId} in ${config.tableName}`;
    const seen = await stepOn(target, `reading ${where}`, () => readRow(dynamo, config.tableName, assetId));
    const now = systemClock.now();
    const current = seen ? judgeCanvas(canvasOf(seen), now, config.graceSeconds * 1000) : undefined;
    if (seen && current?.kind === 'live' && expiry.at <= now) {
      const question =
        `Track ${assetId} with lockExpiresAt ${lockExpiresAt} (${relativeTime((expiry.at - now) / 1000)})? Its row holds a live lock ` +
        `(${describeLock(seen, now)}); with this expiry the next reap force-unlocks it once the ${config.graceSeconds} s grace has passed.`;
      if (!(await confirmed(io, 'track', values.yes === true, question))) return EXIT.usageOrConfig;
    }
    const row = { assetId, lockExpiresAt, ...(lockId ? { lockId } : {}), ...(projectId ? { projectId } : {}) };
    const result = await stepOn(target, `writing ${where}`, () => trackCanvas(dynamo, config.tableName, row, seen));
    if (result === 'changed') return rowChanged(io, 'track', assetId, await readRow(dynamo, config.tableName, assetId), now);
    io.stdout(
      `tracked ${assetId}: lockExpiresAt ${lockExpiresAt}${lockId ? `, lockId ${terminalSafe(lockId)}` : ''}${projectId ? `, project ${projectId}` : ''} (table ${config.tableName})\n`,
    );
    return EXIT.ok;
  },
};

export const untrackCommand: OpsCommand = {
  usage: UNTRACK_USAGE,
  flags: { yes: { type: 'boolean', short: 'y' }, ...TABLE_TARGET_OPTIONS },
  positionals: { min: 1, max: 1 },
  run: async (values, positionals, io) => {
    // Any key may be untracked, even one that is not a valid asset id: that is how ops clear an invalid row.
    const key = positionals[0] ?? '';
    if (key === '' || Buffer.byteLength(key) > DYNAMODB_KEY_MAX_BYTES)
      throw new UsageError(`the key must be 1 to ${DYNAMODB_KEY_MAX_BYTES} bytes`);
    refuseReservedKey(key);
    const shownKey = terminalSafe(key);
    const { env, clients, target } = await resolveTableTarget('untrack', values, io);
    const config = loadTableConfig(env);
    const { dynamo } = clients;
    const seen = await stepOn(target, `reading ${shownKey}`, () => readRow(dynamo, config.tableName, key));
    if (!seen) {
      io.stdout(`${shownKey} was not tracked; nothing to do\n`);
      return EXIT.ok;
    }
    const now = systemClock.now();
    if (parseLockExpiry(canvasOf(seen).lockExpiresAt).kind === 'valid') {
      const question = `Untrack ${shownKey}? Its row holds a lock (${describeLock(seen, now)}): once untracked, the reaper will never free it.`;
      if (!(await confirmed(io, 'untrack', values.yes === true, question))) return EXIT.usageOrConfig;
    }
    const removing = `removing ${shownKey} from ${config.tableName}`;
    const result = await stepOn(target, removing, () => untrackCanvas(dynamo, config.tableName, key, seen));
    if (result === 'changed') return rowChanged(io, 'untrack', key, await readRow(dynamo, config.tableName, key), now);
    io.stdout(`untracked ${shownKey}; the row held ${jsonForTerminal(seen)}\n`);
    return EXIT.ok;
  },
};
