import { ConfigError, loadTableConfig } from '../../functions/reaper/config';
import { DynamoCanvasStore } from '../../functions/reaper/adapters/dynamo-canvas-store';
import { stringValue } from '../../functions/reaper/core/tracked-canvas';
import { judgeCanvas } from '../../functions/reaper/core/verdict';
import { parseGraceSecondsFlag } from '../../functions/reaper/payload';
import { createAwsClients, systemClock } from '../../functions/reaper/wiring';
import { errorMessage } from '../../functions/reaper/core/error-message';
import { asUsage, EXIT, parseCommandArgs, type OpsCommand } from '../io';
import { formatTable, relativeTime } from '../text-table';

export const STATUS_USAGE = `Usage: npm run ops -- status [--stale-only] [--json] [--grace-seconds N]

Lists the tracked canvases with their lock state, as the reaper would judge them now:
  stale       lockExpiresAt + grace is past: the next reap frees it
  live        locked, not yet stale
  not-locked  no lockExpiresAt
  invalid     bad assetId or lockExpiresAt: the reaper leaves it alone; fix or untrack it

Options:
  --stale-only        only stale canvases
  --json              one JSON object on stdout (canvases, counts), for scripts
  --grace-seconds N   judge with another grace (default GRACE_SECONDS or 60)

Needs TABLE_NAME (and the usual AWS settings). Exit codes: 0 ok; 1 an invalid row exists or the table could not be
read; 2 usage or configuration error.`;

type LockState = 'stale' | 'live' | 'not-locked' | 'invalid';
const STATE_ORDER: Record<LockState, number> = { stale: 0, invalid: 1, live: 2, 'not-locked': 3 };

export interface CanvasStatus {
  assetId: string;
  state: LockState;
  lockExpiresAt?: string;
  lockId?: string;
  /** Negative when the lock expired that many seconds ago. */
  expiresInSeconds?: number;
  problem?: string;
}

/** Progress is drawn every this many rows, on a terminal only (it would litter a pipe or a log). */
const PROGRESS_EVERY_ROWS = 500;

export const statusCommand: OpsCommand = async (argv, io) => {
  const { values, help } = parseCommandArgs(argv, { 'stale-only': { type: 'boolean' }, json: { type: 'boolean' }, 'grace-seconds': { type: 'string' } }, { min: 0, max: 0 });
  if (help) {
    io.stdout(`${STATUS_USAGE}\n`);
    return EXIT.ok;
  }
  let config;
  try {
    config = loadTableConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`ops status: configuration error: ${error.message}\n`);
      return EXIT.usageOrConfig;
    }
    throw error;
  }
  const graceSeconds = values['grace-seconds'] === undefined ? config.graceSeconds : asUsage(() => parseGraceSecondsFlag(String(values['grace-seconds'])));
  const clients = io.awsClients ?? createAwsClients();
  const store = new DynamoCanvasStore({ client: clients.dynamo, tableName: config.tableName });
  const now = systemClock.now();
  const canvases: CanvasStatus[] = [];
  let scanned = 0;
  try {
    for await (const page of store.pages()) {
      for (const canvas of page) {
        scanned += 1;
        const verdict = judgeCanvas(canvas, now, graceSeconds * 1000);
        const lockExpiresAt = stringValue(canvas.lockExpiresAt);
        const lockId = stringValue(canvas.lockId);
        canvases.push({
          assetId: canvas.assetId,
          state: verdict.kind,
          ...(lockExpiresAt !== undefined ? { lockExpiresAt } : {}),
          ...(lockId !== undefined ? { lockId } : {}),
          ...('expiresAt' in verdict ? { expiresInSeconds: Math.round((verdict.expiresAt - now) / 1000) } : {}),
          ...(verdict.kind === 'invalid' ? { problem: verdict.problem } : {}),
        });
      }
      if (io.interactive && !values.json && scanned % PROGRESS_EVERY_ROWS < page.length) io.stderr(`\rscanned ${scanned} rows…`);
    }
  } catch (error) {
    if (io.interactive) io.stderr('\n');
    io.stderr(`ops status: reading table ${config.tableName} failed after ${scanned} rows: ${errorMessage(error)}\n`);
    return EXIT.canvasFailedOrInvalid;
  }
  if (io.interactive && !values.json && scanned >= PROGRESS_EVERY_ROWS) io.stderr('\r\x1b[K');

  const counts = { stale: 0, live: 0, 'not-locked': 0, invalid: 0 } as Record<LockState, number>;
  for (const canvas of canvases) counts[canvas.state] += 1;
  const shown = (values['stale-only'] ? canvases.filter((c) => c.state === 'stale') : canvases).sort(
    (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || (a.expiresInSeconds ?? 0) - (b.expiresInSeconds ?? 0) || a.assetId.localeCompare(b.assetId),
  );

  if (values.json) {
    io.stdout(`${JSON.stringify({ table: config.tableName, graceSeconds, generatedAt: new Date(now).toISOString(), counts, canvases: shown }, null, 2)}\n`);
  } else {
    io.stdout(
      `${formatTable(
        ['asset id', 'state', 'expiry', 'lockExpiresAt', 'lockId'],
        shown.map((c) => [
          c.assetId,
          c.state,
          c.expiresInSeconds === undefined ? (c.problem ?? '') : relativeTime(c.expiresInSeconds),
          c.lockExpiresAt ?? '',
          c.lockId ?? '',
        ]),
      )}\n\n${scanned} tracked: ${counts.stale} stale, ${counts.live} live, ${counts['not-locked']} not locked, ${counts.invalid} invalid (grace ${graceSeconds} s)\n`,
    );
  }
  return counts.invalid > 0 ? EXIT.canvasFailedOrInvalid : EXIT.ok;
};
