import type { ReaperConfig } from '#reaper/config';
import { parseLockExpiry } from '#reaper/core/lock-expiry';
import type { CanvasOutcome } from '#reaper/core/outcome';
import type { ApiFailure } from '#reaper/core/ports';
import { projectOf } from '#reaper/core/project';
import type { RunSummary } from '#reaper/core/summary';
import { readingText, type TrackedCanvas } from '#reaper/core/tracked-canvas';
import { claimHeldByOtherRun, type SourceJudgement } from '#reaper/core/verdict';
import { relativeTime } from './kit/text-table';
import { claimOf, type RawRow } from './tracked-rows';

/**
 * The verdict of `ops explain`: what a scheduled run would do with one canvas now, in words and in the run summary's
 * words. Pure: it is handed what the run's own code found (the dry run's outcome, Scenario's reading judged by the
 * verify step's rule) and adds the claim rule; ops/commands/explain.ts gathers those.
 */

/** The reason words of a verdict: a contract (docs/operations.md). */
export const EXPLAIN_REASONS = [
  'would-unlock',
  'would-verify-then-unlock',
  'in-grace',
  'live',
  'not-locked',
  'not-tracked',
  'invalid',
  'held-by-brake',
  'no-key',
  'claimed-by-other-run',
  'live-at-scenario',
  'unreadable-at-scenario',
  'key-refused',
  'not-found-at-scenario',
  'verify-failed',
  'undetermined',
] as const;
export type ExplainReason = (typeof EXPLAIN_REASONS)[number];

/** What the run would record for the canvas, in the summary's words (status, and the skip reason or failure kind). */
export interface ExpectedOutcome {
  status: CanvasOutcome['status'];
  reason?: string;
  kind?: string;
}

export interface ExplainVerdict {
  reason: ExplainReason;
  /** The run would free the lock (for would-verify-then-unlock: if Scenario agrees). */
  unlocks: boolean;
  /** The verdict in words. */
  text: string;
  /** What the run's summary would record; null for the table-only view (it depends on Scenario's answer). */
  outcome: ExpectedOutcome | null;
  /** When the state ends: the grace, the live lock, the claim (ISO). */
  until?: string;
  /** The Scenario project (brake, key). */
  project?: string;
  /** The run that holds the claim. */
  runId?: string;
  /** What makes the row invalid, or what Scenario's answer was. */
  problem?: string;
}

export interface VerdictInput {
  assetId: string;
  tableName: string;
  item: RawRow | undefined;
  canvas: TrackedCanvas | undefined;
  /** The dry run's outcome for the canvas (undefined: not tracked, or passed over). */
  tableOutcome: CanvasOutcome | undefined;
  dryRunSummary: RunSummary | undefined;
  scenario: SourceJudgement | undefined;
  config: ReaperConfig;
  dryRun: boolean;
  noApi: boolean;
  nowMs: number;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const inWords = (ms: number, nowMs: number) => relativeTime((ms - nowMs) / 1000);

/**
 * The verdict, in the order a run meets the canvas: the scan (valid, locked, stale with the grace), the brake, the
 * key, the claim, then the GET at Scenario. Each step is the run's own: the dry run's outcome, the store's claim
 * rule (claimHeldByOtherRun), the verify step's judgement (judgeSourceLock).
 */
export function explainVerdict(input: VerdictInput): ExplainVerdict {
  const { tableOutcome: outcome, canvas, config, nowMs } = input;
  const graceMs = config.graceSeconds * 1000;
  if (!input.item || !canvas) {
    return {
      reason: 'not-tracked',
      unlocks: false,
      text: `not tracked in table ${input.tableName}: no run sees it (a run that names it reports not-tracked); track it with npm run ops -- track`,
      outcome: { status: 'skipped', reason: 'not-tracked' },
    };
  }
  const project = projectOf(canvas);
  const expiry = parseLockExpiry(canvas.lockExpiresAt);
  const expiresAtMs = expiry.kind === 'valid' ? expiry.at : undefined;
  if (!outcome) {
    // Only a canvas the run passes over has no outcome in a full dry run (e.g. a run stopped before the scan).
    return {
      reason: 'undetermined',
      unlocks: false,
      text: `the dry run recorded nothing for it (${input.dryRunSummary?.stopDetail ?? 'the row changed or went while it was read'}); explain it again`,
      outcome: null,
      problem: input.dryRunSummary?.stopDetail ?? 'no outcome',
    };
  }
  switch (outcome.status) {
    case 'invalid':
      return {
        reason: 'invalid',
        unlocks: false,
        text: `invalid row: ${outcome.problem}; every run leaves it untouched and counts it invalid (fix it or untrack it)`,
        outcome: { status: 'invalid' },
        problem: outcome.problem,
      };
    case 'skipped':
      if (outcome.reason === 'not-locked')
        return { reason: 'not-locked', unlocks: false, text: 'not locked: the row holds no lockExpiresAt', outcome: skipped('not-locked') };
      if (outcome.reason === 'live' && expiresAtMs !== undefined) {
        if (expiresAtMs <= nowMs) {
          const until = expiresAtMs + graceMs;
          return {
            reason: 'in-grace',
            unlocks: false,
            text: `in grace until ${iso(until)} (${inWords(until, nowMs)}): the lock expired at ${iso(expiresAtMs)}; the run waits the grace (${config.graceSeconds} s) before it frees it, unless the lock is renewed`,
            outcome: skipped('live'),
            until: iso(until),
          };
        }
        return {
          reason: 'live',
          unlocks: false,
          text: `live: the row's lock runs until ${iso(expiresAtMs)} (${inWords(expiresAtMs, nowMs)}); the run leaves it alone`,
          outcome: skipped('live'),
          until: iso(expiresAtMs),
        };
      }
      if (outcome.reason === 'held-by-brake') return heldByBrake(project, input.dryRunSummary);
      return {
        reason: 'undetermined',
        unlocks: false,
        text: `the dry run skipped it (${outcome.reason})`,
        outcome: skipped(outcome.reason),
        problem: outcome.reason,
      };
    case 'failed':
      if (outcome.kind === 'no-credentials-for-project')
        return {
          reason: 'no-key',
          unlocks: false,
          text: `no key for project ${project} in the credentials, and no default key: the run fails it and leaves the row untouched (add the project's key to the secret)`,
          outcome: { status: 'failed', kind: 'no-credentials-for-project' },
          project,
        };
      return {
        reason: 'undetermined',
        unlocks: false,
        text: `the dry run failed it (${outcome.kind}: ${outcome.error})`,
        outcome: { status: 'failed', kind: outcome.kind },
        problem: outcome.error,
      };
    case 'would-unlock':
      break;
    default:
      return {
        reason: 'undetermined',
        unlocks: false,
        text: `the dry run recorded ${outcome.status} for it`,
        outcome: { status: outcome.status },
      };
  }

  const staleSince =
    expiresAtMs === undefined
      ? ''
      : `stale since ${iso(expiresAtMs + graceMs)} (expired ${iso(expiresAtMs)}, grace ${config.graceSeconds} s)`;
  if (input.dryRun)
    return {
      reason: 'would-unlock',
      unlocks: true,
      text: `would unlock (dry run): ${staleSince}; a dry run reports it as would-unlock (no claim, no GET at Scenario, nothing freed)`,
      outcome: { status: 'would-unlock' },
    };
  const claim = claimOf(input.item);
  if (claimHeldByOtherRun(claim, nowMs)) {
    const until = Number.isFinite(claim!.expiresAtMs) ? iso(claim!.expiresAtMs) : '(no readable reaperClaimExpiresAt: it never lapses)';
    return {
      reason: 'claimed-by-other-run',
      unlocks: false,
      text: `claimed by run ${claim!.runId} until ${until}: that run is unlocking it now, or died; the claim lapses at that time and the next run takes the canvas over`,
      outcome: skipped('claimed-by-other-run'),
      runId: claim!.runId,
      ...(Number.isFinite(claim!.expiresAtMs) ? { until: iso(claim!.expiresAtMs) } : {}),
    };
  }
  if (!config.verifyAtSource)
    return {
      reason: 'would-unlock',
      unlocks: true,
      text: `would unlock: ${staleSince}; verification at Scenario is off (VERIFY_AT_SOURCE=false), so the run frees it without a GET`,
      outcome: { status: 'unlocked' },
    };
  if (input.noApi || !input.scenario)
    return {
      reason: 'would-verify-then-unlock',
      unlocks: true,
      text: `would verify at Scenario, then unlock: ${staleSince} (the table-only view, --no-api: Scenario's answer decides)`,
      outcome: null,
    };
  return scenarioVerdict(input.scenario, canvas, project, staleSince, nowMs);
}

function scenarioVerdict(
  judgement: SourceJudgement,
  canvas: TrackedCanvas,
  project: string,
  staleSince: string,
  nowMs: number,
): ExplainVerdict {
  const mirror = readingText(canvas.lockExpiresAt) ?? '(none)';
  switch (judgement.kind) {
    case 'not-live':
      return {
        reason: 'would-unlock',
        unlocks: true,
        text: `would unlock: ${staleSince}, and Scenario shows ${judgement.lockExpiresAt === null ? 'no lock' : `a stale lock too (${judgement.lockExpiresAt})`}`,
        outcome: { status: 'unlocked' },
      };
    case 'live': {
      const until = Date.parse(judgement.lockExpiresAt);
      return {
        reason: 'live-at-scenario',
        unlocks: false,
        text: `live at Scenario until ${judgement.lockExpiresAt}${Number.isNaN(until) ? '' : ` (${inWords(until, nowMs)})`} while the mirror says ${mirror}: the run does not unlock it, and heals the row with Scenario's expiry`,
        outcome: skipped('renewed-at-source'),
        until: judgement.lockExpiresAt,
      };
    }
    case 'failed':
      return failedAtScenario(judgement.failure, project);
  }
}

function failedAtScenario(failure: ApiFailure, project: string): ExplainVerdict {
  const outcome: ExpectedOutcome = { status: 'failed', kind: failure.kind };
  const problem = failure.message;
  switch (failure.kind) {
    case 'bad-response':
    case 'unexpected-redirect':
      return {
        reason: 'unreadable-at-scenario',
        unlocks: false,
        text: `unreadable lock at Scenario (${problem}): fail closed, the run frees nothing and fails the canvas at its verify step`,
        outcome,
        problem,
      };
    case 'credentials-rejected':
      return {
        reason: 'key-refused',
        unlocks: false,
        text: `Scenario refused the key of project ${project} (${problem}): the run fails this canvas at its verify step and refuses the key for the rest of that key's canvases (project-refused)`,
        outcome,
        project,
        problem,
      };
    case 'asset-not-found':
      return {
        reason: 'not-found-at-scenario',
        unlocks: false,
        text: `Scenario answered 404 for it (${problem}): the run fails it at its verify step and records lastNotFoundAt; untrack it if the canvas is gone`,
        outcome,
        problem,
      };
    default:
      return {
        reason: 'verify-failed',
        unlocks: false,
        text: `the GET at Scenario failed (${failure.kind}: ${problem}): the run fails it at its verify step, sends no unlock, and the next run tries again`,
        outcome,
        problem,
      };
  }
}

function heldByBrake(project: string, summary: RunSummary | undefined): ExplainVerdict {
  const report = summary && Object.hasOwn(summary.brake.projects, project) ? summary.brake.projects[project] : undefined;
  const since = report?.engagedSince;
  const why = since
    ? `engaged since ${since}`
    : `it would trip on this run (${report?.newlyStale ?? '?'} newly stale vs ${report?.live ?? '?'} live locks, judged ${report?.judged ?? 'pool'})`;
  return {
    reason: 'held-by-brake',
    unlocks: false,
    text: `held by the mass-expiry brake for project ${project}: ${why}; release it with npm run ops -- invoke --override-brake --project ${project}`,
    outcome: skipped('held-by-brake'),
    project,
  };
}

const skipped = (reason: string): ExpectedOutcome => ({ status: 'skipped', reason });
