import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import { DEFAULT_PROJECT } from '#reaper/core/project';
import { readingText, stringValue } from '#reaper/core/tracked-canvas';
import { judgeCanvas } from '#reaper/core/verdict';
import { systemClock } from '#reaper/wiring';
import type { OpsCommand } from '../io';
import { EXIT } from '../kit/exit-codes';
import { parseGraceSecondsFlag } from '../kit/run-flags';
import { type Colour, colourWanted, terminalSafe } from '../kit/terminal-text';
import { type Cell, formatTable, relativeTime, wrapText } from '../kit/text-table';
import { asUsage, UsageError } from '../kit/usage-error';
import { loadTableConfig, onTable, resolveTableTarget, TABLE_TARGET_HELP, TABLE_TARGET_OPTIONS } from '../table-target';
import { explainFailure } from '../target';
import { readBrakeState, type StatusRow, scanStatusRows, shownClaim } from '../tracked-rows';

export const STATUS_USAGE = `Usage: npm run ops -- status [--stale-only] [--project ID] [--json] [--grace-seconds N] [--limit N] [--sort expiry|id] [--check]

Lists the tracked canvases with their lock state, as the reaper would judge them now:
  stale       lockExpiresAt + grace is past: the next reap frees it
  in-grace    lockExpiresAt is past, but not yet by the grace: a later reap frees it unless it is renewed
  live        locked, lockExpiresAt still ahead
  not-locked  no lockExpiresAt
  invalid     bad assetId or lockExpiresAt (the problem column says which): the reaper leaves it alone; fix or untrack it
"last unlocked" is when the reaper (or ops unlock) last force-unlocked the canvas (lastForceUnlockedAt).
"claim" shows a run's claim on the row (claimed by run X until T): a run holds it while it unlocks the canvas; one
left by a run that died expires by itself, and the next run takes the canvas over.

Options:
  --stale-only        only stale canvases
  --project ID        only canvases of this Scenario project ("default": rows without projectId); the project
                      column shows when any row names a project
  --json              one JSON object on stdout (canvases, counts), for scripts
  --grace-seconds N   judge with another grace (default GRACE_SECONDS or 60)
  --limit N           show at most N canvases (the counts still cover every row)
  --sort expiry|id    order by expiry (longest expired first) or by asset id; default: by state, then expiry
  --check             exit 1 when there is something to look at: an invalid row, or the mass-expiry brake engaged
${TABLE_TARGET_HELP}
On a terminal, lines fit its width (long cells end in "…") and the state is coloured (never with NO_COLOR).
It says its target (table, region, endpoint or account) on stderr first.

Exit codes: 0 it ran (findings or not); 1 the table could not be read, or --check and there are findings;
2 usage or configuration error.`;

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
  /** A run's claim on the row: which run, until when. */
  claim?: { runId: string; expiresAt: string };
}

/** Progress is drawn every this many rows, on a terminal only (it would litter a pipe or a log). */
const PROGRESS_EVERY_ROWS = 500;

export const statusCommand: OpsCommand = {
  usage: STATUS_USAGE,
  flags: {
    'stale-only': { type: 'boolean' },
    project: { type: 'string' },
    json: { type: 'boolean' },
    'grace-seconds': { type: 'string' },
    limit: { type: 'string' },
    sort: { type: 'string' },
    check: { type: 'boolean' },
    ...TABLE_TARGET_OPTIONS,
  },
  run: async (values, _, io) => {
    const limit = values.limit === undefined ? undefined : asUsage(() => parseLimit(String(values.limit)));
    const sort = parseSort(values.sort as string | undefined);
    const graceFlag = values['grace-seconds'] === undefined ? undefined : parseGraceSecondsFlag(String(values['grace-seconds']));
    const { env, clients, target } = await resolveTableTarget('status', values, io);
    const config = loadTableConfig(env);
    const graceSeconds = graceFlag ?? config.graceSeconds;
    const now = systemClock.now();
    const canvases: CanvasStatus[] = [];
    let scanned = 0;
    try {
      for await (const page of scanStatusRows(clients.dynamo, config.tableName)) {
        for (const row of page) {
          scanned += 1;
          canvases.push(statusOf(row, now, graceSeconds));
        }
        if (io.interactive && !values.json && scanned % PROGRESS_EVERY_ROWS < page.length) io.stderr(`\rscanned ${scanned} rows…`);
      }
    } catch (error) {
      if (io.interactive) io.stderr('\n');
      io.stderr(`ops status: ${explainFailure(error, target)} (after ${scanned} rows)\n`);
      return EXIT.failed;
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
      // Human output hides the zero counts (the JSON keeps every one); one word per state, as in the table.
      const nonZero = (Object.keys(counts) as LockState[]).filter((state) => counts[state] > 0).map((state) => `${counts[state]} ${state}`);
      const totals = `${scanned} tracked${nonZero.length > 0 ? `: ${nonZero.join(', ')}` : ''} (grace ${graceSeconds} s)`;
      const more = omitted > 0 ? `\nshowing ${shown.length} of ${matching.length} (--limit ${limit})` : '';
      const brakeLine = brake
        ? `\nMASS-EXPIRY BRAKE ENGAGED since ${brakeJson.trippedAt} (${brake.newlyStale} newly stale vs ${brake.live} live): stale locks that expired after then − the window are held. Release: npm run ops -- invoke --override-brake`
        : '';
      const columns = io.stdoutIsTerminal ? io.terminalColumns : undefined;
      const prose = `${totals}${more}${brakeLine}`;
      io.stdout(
        `${statusTable(shown, now, colourWanted(io.env, io.stdoutIsTerminal), columns)}\n\n${columns ? wrapText(terminalSafe(prose), columns) : prose}\n`,
      );
    }
    // It ran: findings are reported, not failed on, unless the script asked (--check).
    const findings = counts.invalid > 0 || brake !== undefined;
    return values.check && findings ? EXIT.failed : EXIT.ok;
  },
};

function statusOf({ canvas, lastForceUnlockedAt, claim }: StatusRow, now: number, graceSeconds: number): CanvasStatus {
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
    ...(claim ? { claim: shownClaim(claim) } : {}),
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

function statusTable(shown: readonly CanvasStatus[], now: number, colour: boolean, columns: number | undefined): string {
  const withProblems = shown.some((c) => c.problem !== undefined);
  const withProjects = shown.some((c) => c.projectId !== undefined);
  const withClaims = shown.some((c) => c.claim !== undefined);
  const header = [
    ...(withProjects ? ['project'] : []),
    'asset id',
    'state',
    'expiry',
    'lockExpiresAt',
    'lockId',
    'last unlocked',
    ...(withProblems ? ['problem'] : []),
    ...(withClaims ? ['claim'] : []),
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
    ...(withClaims ? [c.claim ? claimText(c.claim, now) : ''] : []),
  ]);
  if (columns !== undefined) {
    // The project, the asset id and the state are read whole; the other columns give way.
    return formatTable(header, rows, Number.POSITIVE_INFINITY, colour, {
      lineWidth: columns,
      keepWhole: withProjects ? [0, 1, 2] : [0, 1],
    });
  }
  return formatTable(header, rows, withClaims ? 120 : withProblems ? 100 : 60, colour);
}

function claimText(claim: NonNullable<CanvasStatus['claim']>, now: number): string {
  const ms = Date.parse(claim.expiresAt);
  return `claimed by run ${claim.runId} until ${claim.expiresAt}${Number.isNaN(ms) ? '' : ` (${relativeTime((ms - now) / 1000)})`}`;
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
