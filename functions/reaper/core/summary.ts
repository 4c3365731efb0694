import type { CanvasOutcome, FailureKind, SkipReason } from './outcome';

export type StopReason = 'time-budget' | 'credentials-rejected' | 'store-error';

/** Lists in the summary are capped so a bad day cannot push the Lambda response past its size limit. */
export const MAX_LISTED_PER_KIND = 100;

export interface RunSummary {
  runId: string;
  dryRun: boolean;
  graceSeconds: number;
  /** Set when the run was limited to named assets (manual invoke, --asset-id). */
  assetIds?: string[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  examined: number;
  stale: number;
  unlocked: number;
  failed: number;
  skipped: {
    live: number;
    notLocked: number;
    invalid: number;
    renewed: number;
    claimedByOtherRun: number;
    notTracked: number;
    runStopped: number;
  };
  /** Dry run: the canvases a real run would have unlocked. */
  wouldUnlock: string[];
  failures: { assetId: string; kind: FailureKind; httpStatus?: number; error: string }[];
  invalidRows: { assetId: string; problem: string }[];
  /** Things that went right for the lock but deserve a look (e.g. a row renewed while it was being unlocked). */
  warnings: { assetId: string; message: string }[];
  /** How many entries each list above left out (see MAX_LISTED_PER_KIND); the per-canvas log lines have them all. */
  omitted: { wouldUnlock: number; failures: number; invalidRows: number; warnings: number };
  cutShort: boolean;
  stopReason: StopReason | null;
  stopDetail?: string;
}

const SKIP_COUNTER: Record<SkipReason, keyof RunSummary['skipped']> = {
  live: 'live',
  'not-locked': 'notLocked',
  renewed: 'renewed',
  'claimed-by-other-run': 'claimedByOtherRun',
  'not-tracked': 'notTracked',
  'run-stopped': 'runStopped',
};

/** Accumulates outcomes into the run summary. */
export class SummaryBuilder {
  private readonly summary: RunSummary;

  constructor(init: { runId: string; dryRun: boolean; graceSeconds: number; assetIds?: readonly string[]; startedAtMs: number }) {
    this.summary = {
      runId: init.runId,
      dryRun: init.dryRun,
      graceSeconds: init.graceSeconds,
      ...(init.assetIds ? { assetIds: [...init.assetIds] } : {}),
      startedAt: new Date(init.startedAtMs).toISOString(),
      finishedAt: '',
      durationMs: 0,
      examined: 0,
      stale: 0,
      unlocked: 0,
      failed: 0,
      skipped: { live: 0, notLocked: 0, invalid: 0, renewed: 0, claimedByOtherRun: 0, notTracked: 0, runStopped: 0 },
      wouldUnlock: [],
      failures: [],
      invalidRows: [],
      warnings: [],
      omitted: { wouldUnlock: 0, failures: 0, invalidRows: 0, warnings: 0 },
      cutShort: false,
      stopReason: null,
    };
  }

  countExamined(): void {
    this.summary.examined += 1;
  }

  countStale(): void {
    this.summary.stale += 1;
  }

  record(outcome: CanvasOutcome): void {
    const s = this.summary;
    switch (outcome.status) {
      case 'unlocked':
        s.unlocked += 1;
        return;
      case 'unlocked-row-changed':
        s.unlocked += 1;
        this.list('warnings', {
          assetId: outcome.assetId,
          message: 'unlocked at Scenario, but the row changed before it was updated; the row was left as its writer left it',
        });
        return;
      case 'would-unlock':
        this.list('wouldUnlock', outcome.assetId);
        return;
      case 'skipped':
        s.skipped[SKIP_COUNTER[outcome.reason]] += 1;
        return;
      case 'invalid':
        s.skipped.invalid += 1;
        this.list('invalidRows', { assetId: outcome.assetId, problem: outcome.problem });
        return;
      case 'failed':
        s.failed += 1;
        this.list('failures', {
          assetId: outcome.assetId,
          kind: outcome.kind,
          ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
          error: outcome.error,
        });
        return;
    }
  }

  finish(finishedAtMs: number, stop: { reason: StopReason; detail: string } | undefined): RunSummary {
    const s = this.summary;
    s.finishedAt = new Date(finishedAtMs).toISOString();
    s.durationMs = Math.max(0, finishedAtMs - Date.parse(s.startedAt));
    s.cutShort = stop !== undefined;
    s.stopReason = stop?.reason ?? null;
    if (stop) s.stopDetail = stop.detail;
    return s;
  }

  private list<K extends 'wouldUnlock' | 'failures' | 'invalidRows' | 'warnings'>(key: K, entry: RunSummary[K][number]): void {
    const target = this.summary[key] as RunSummary[K][number][];
    if (target.length < MAX_LISTED_PER_KIND) target.push(entry);
    else this.summary.omitted[key] += 1;
  }
}
