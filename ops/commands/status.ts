import { type Colour, colourWanted, jsonForTerminal } from '#reaper/cli-kit/terminal-text';
import { type Cell, formatTable, relativeTime } from '#reaper/cli-kit/text-table';
import { loadTableConfig } from '#reaper/config';
import { DEFAULT_PROJECT } from '#reaper/core/project';
import { readingText, stringValue, type TrackedCanvas } from '#reaper/core/tracked-canvas';
import { judgeCanvas } from '#reaper/core/verdict';
import { parseGraceSecondsFlag } from '#reaper/payload';
import { systemClock } from '#reaper/wiring';
import { asUsage, EXIT, type OpsCommand, parseCommandArgs, UsageError } from '../io';
import { onTable, resolveTableTarget, TABLE_TARGET_HELP, TABLE_TARGET_OPTIONS } from '../table-target';
import { explainFailure } from '../target';
import { readBrakeState, scanStatusRows } from '../tracked-rows';

export const STATUS_USAGE = `Usage: npm run ops -- status [--stale-only] [--project ID] [--json] [--grace-seconds N] [--limit N] [--sort expiry|id]

Lists the tracked canvases with their lock state, as the reaper would judge them now:
  stale       lockExpiresAt + grace is past: the next reap frees it
  in-grace    lockExpiresAt is past, but not yet by the grace: a later reap frees it unless it is renewed
  live        locked, lockExpiresAt still ahead
  not-locked  no lockExpiresAt
  invalid     bad assetId or lockExpiresAt (the problem column says which): the reaper leaves it alone; fix or untrack it
"last unlocked" is when the reaper (or ops unlock) last force-unlocked the canvas (lastForceUnlockedAt).

Options:
  --stale-only        only stale canvases
  --project ID        only canvases of this Scenario project ("default": rows without projectId); the project
                      column shows when any row names a project
  --json              one JSON object on stdout (canvases, counts), for scripts
  --grace-seconds N   judge with another grace (default GRACE_SECONDS or 60)
  --limit N           show at most N canvases (the counts still cover every row)
  --sort expiry|id    order by expiry (longest expired first) or by asset id; default: by state, then expiry
Colour only when stdout is a terminal and NO_COLOR is not set.

Needs TABLE_NAME (and the usual AWS settings). Exit codes: 0 ok; 1 an invalid row exists or the table could not be
read; 2 usage or configuration error.`;

type LockState = 'stale' | 'in-grace' | 'live' | 'not-locked' | 'invalid';
const STATE_ORDER: Record<LockState, number> = { stale: 0, 'in-grace': 1, invalid: 2, live: 3, 'not-locked': 4 };
const STATE_COLOUR: Record<LockState, Colour> = {
  stale: 'red',
  'in-grace': 'yellow',
  invalid: 'magenta',
  live: 'green',
  'not-locked': 'dim',
};
const SORTS = ['expiry', 'id'] as const;
type Sort = (typeof SORTS)[number] | 'state';
const MAX_LIMIT = 1_000_000;

export interface CanvasStatus {
  assetId: string;
  state: LockState;
  lockExpiresAt?: string;
  lockId?: string;
  /** Negative when the lock expired that many seconds ago. */
  expiresInSeconds?: number;
  problem?: string;
  lastForceUnlockedAt?: string;
  /** The row's Scenario project, when it names one. */
  projectId?: string;
}

/** Progress is drawn every this many rows, on a terminal only (it would litter a pipe or a log). */
const PROGRESS_EVERY_ROWS = 500;

export const statusCommand: OpsCommand = async (argv, io) => {
  const { values, help } = parseCommandArgs(
    argv,
    {
      'stale-only': { type: 'boolean' },
      project: { type: 'string' },
      json: { type: 'boolean' },
      'grace-seconds': { type: 'string' },
      limit: { type: 'string' },
      sort: { type: 'string' },
      ...TABLE_TARGET_OPTIONS,
    },
    { min: 0, max: 0 },
  );
  if (help) {
    io.stdout(`${STATUS_USAGE}\n`);
    return EXIT.ok;
  }
  const limit = values.limit === undefined ? undefined : asUsage(() => parseLimit(String(values.limit)));
  const sort = parseSort(values.sort as string | undefined);
  const { env, clients, target } = await resolveTableTarget('status', values, io);
  const config = loadTableConfig(env);
  const graceSeconds =
    values['grace-seconds'] === undefined ? config.graceSeconds : asUsage(() => parseGraceSecondsFlag(String(values['grace-seconds'])));
  const now = systemClock.now();
  const canvases: CanvasStatus[] = [];
  let scanned = 0;
  try {
    for await (const page of scanStatusRows(clients.dynamo, config.tableName)) {
      for (const row of page) {
        scanned += 1;
        canvases.push(statusOf(row.canvas, row.lastForceUnlockedAt, now, graceSeconds));
      }
      if (io.interactive && !values.json && scanned % PROGRESS_EVERY_ROWS < page.length) io.stderr(`\rscanned ${scanned} rows…`);
    }
  } catch (error) {
    if (io.interactive) io.stderr('\n');
    io.stderr(`ops status: ${explainFailure(error, target)} (after ${scanned} rows)\n`);
    return EXIT.canvasFailedOrInvalid;
  }
  if (io.interactive && !values.json && scanned >= PROGRESS_EVERY_ROWS) io.stderr('\r\x1b[K');
  const brake = await onTable(target, () => readBrakeState(clients.dynamo, config.tableName));
  const brakeJson = brake
    ? {
        engaged: true,
        trippedAt: new Date(brake.trippedAtMs).toISOString(),
        trippedByRunId: brake.runId,
        newlyStale: brake.newlyStale,
        live: brake.live,
      }
    : { engaged: false };

  const counts: Record<LockState, number> = { stale: 0, 'in-grace': 0, live: 0, 'not-locked': 0, invalid: 0 };
  for (const canvas of canvases) counts[canvas.state] += 1;
  const project = values.project as string | undefined;
  const ofProject = project === undefined ? canvases : canvases.filter((c) => (c.projectId ?? DEFAULT_PROJECT) === project);
  const matching = (values['stale-only'] ? ofProject.filter((c) => c.state === 'stale') : ofProject).sort(ORDER[sort]);
  const shown = limit === undefined ? matching : matching.slice(0, limit);
  const omitted = matching.length - shown.length;

  if (values.json) {
    io.stdout(
      `${jsonForTerminal({ table: config.tableName, graceSeconds, generatedAt: new Date(now).toISOString(), counts, brake: brakeJson, canvases: shown, omitted }, 2)}\n`,
    );
  } else {
    const totals = `${scanned} tracked: ${counts.stale} stale, ${counts['in-grace']} in grace, ${counts.live} live, ${counts['not-locked']} not locked, ${counts.invalid} invalid (grace ${graceSeconds} s)`;
    const more = omitted > 0 ? `\nshowing ${shown.length} of ${matching.length} (--limit ${limit})` : '';
    const brakeLine = brake
      ? `\nMASS-EXPIRY BRAKE ENGAGED since ${brakeJson.trippedAt} (${brake.newlyStale} newly stale vs ${brake.live} live): stale locks that expired after then − the window are held. Release: npm run ops -- invoke --override-brake`
      : '';
    io.stdout(`${statusTable(shown, now, colourWanted(io.env, io.stdoutIsTerminal))}\n\n${totals}${more}${brakeLine}\n`);
  }
  return counts.invalid > 0 ? EXIT.canvasFailedOrInvalid : EXIT.ok;
};

function statusOf(canvas: TrackedCanvas, lastForceUnlockedAt: string | undefined, now: number, graceSeconds: number): CanvasStatus {
  const verdict = judgeCanvas(canvas, now, graceSeconds * 1000);
  const lockExpiresAt = stringValue(canvas.lockExpiresAt);
  const lockId = stringValue(canvas.lockId);
  const state: LockState = verdict.kind === 'live' && verdict.expiresAt <= now ? 'in-grace' : verdict.kind;
  return {
    assetId: canvas.assetId,
    state,
    ...(lockExpiresAt !== undefined ? { lockExpiresAt } : {}),
    ...(lockId !== undefined ? { lockId } : {}),
    ...('expiresAt' in verdict ? { expiresInSeconds: Math.round((verdict.expiresAt - now) / 1000) } : {}),
    ...(verdict.kind === 'invalid' ? { problem: verdict.problem } : {}),
    ...(lastForceUnlockedAt !== undefined ? { lastForceUnlockedAt } : {}),
    ...(canvas.projectId ? { projectId: readingText(canvas.projectId) ?? '' } : {}),
  };
}

const byId = (a: CanvasStatus, b: CanvasStatus) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0);
/** Canvases without an expiry sort after every canvas that has one. */
const byExpiry = (a: CanvasStatus, b: CanvasStatus) =>
  (a.expiresInSeconds ?? Number.POSITIVE_INFINITY) - (b.expiresInSeconds ?? Number.POSITIVE_INFINITY) || 0;
const ORDER: Record<Sort, (a: CanvasStatus, b: CanvasStatus) => number> = {
  state: (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || byExpiry(a, b) || byId(a, b),
  expiry: (a, b) => byExpiry(a, b) || byId(a, b),
  id: byId,
};

function statusTable(shown: readonly CanvasStatus[], now: number, colour: boolean): string {
  const withProblems = shown.some((c) => c.problem !== undefined);
  const withProjects = shown.some((c) => c.projectId !== undefined);
  const header = [
    ...(withProjects ? ['project'] : []),
    'asset id',
    'state',
    'expiry',
    'lockExpiresAt',
    'lockId',
    'last unlocked',
    ...(withProblems ? ['problem'] : []),
  ];
  const rows = shown.map((c): Cell[] => [
    ...(withProjects ? [c.projectId ?? DEFAULT_PROJECT] : []),
    c.assetId,
    { text: c.state, colour: STATE_COLOUR[c.state] },
    c.expiresInSeconds === undefined ? '' : relativeTime(c.expiresInSeconds),
    c.lockExpiresAt ?? '',
    c.lockId ?? '',
    lastUnlocked(c.lastForceUnlockedAt, now),
    ...(withProblems ? [c.problem ?? ''] : []),
  ]);
  return formatTable(header, rows, withProblems ? 100 : 60, colour);
}

function lastUnlocked(at: string | undefined, now: number): string {
  if (at === undefined) return '';
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : relativeTime((ms - now) / 1000);
}

function parseLimit(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT)
    throw new Error(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${raw}"`);
  return Number(raw);
}

function parseSort(raw: string | undefined): Sort {
  if (raw === undefined) return 'state';
  if ((SORTS as readonly string[]).includes(raw)) return raw as Sort;
  throw new UsageError(`--sort must be ${SORTS.join(' or ')}, got "${raw}"`);
}
