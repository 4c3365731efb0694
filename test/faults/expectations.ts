import type { FailureKind, SkipReason } from '#reaper/core/outcome';
import type { RunSummary, StopReason, WarningKind } from '#reaper/core/summary';

/**
 * The values a fault test compares: the catalogue (catalogue.ts) states them, a scenario observes them from the real
 * run, and the test compares the two with toEqual. Only docs/reliability.md turns them into words (prose.ts).
 *
 * Each column is a union of small shapes; a shape is told apart by a key only it has. Counts are numbers; a rule over
 * several rows or requests is observed as the list of what breaks it (asset ids, with why), expected `[]`, so a failing
 * test prints which rows broke it rather than `false`. A scenario never writes a sentence. Optional fields are left
 * out (undefined) when they do not apply, so an observation only shows them when something went wrong.
 */

/** What happened to one canvas: the core's outcome, without what differs from run to run (ids, times, messages). */
export type Verdict =
  | { status: 'unlocked'; attempts: number }
  | { status: 'unlocked-row-changed' }
  | { status: 'would-unlock' }
  | { status: 'skipped'; reason: SkipReason }
  | { status: 'invalid'; problem: string }
  | { status: 'failed'; kind: FailureKind; httpStatus?: number; step?: 'verify' }
  /** The run reported nothing for it. */
  | { status: 'none' };

/** How many canvases got exactly one unlock request, or none; and those that got more than one (`<assetId> ×<requests>`). */
export interface RequestTally {
  once: number;
  none: number;
  more?: string[];
}

/** A run's own counters (the skipped ones only when not zero). */
export interface RunCounts {
  examined: number;
  stale?: number;
  unlocked?: number;
  failed?: number;
  skipped?: Partial<RunSummary['skipped']>;
  cutShort?: StopReason;
  /** What the summary's stopDetail names, when the case says it must name something. */
  stopDetailNames?: 'throttling' | 'timeout';
}

export type Outcome =
  /**
   * The canvas the fault was aimed at, and how many unlock requests (not the GETs that verify) it got; when the API
   * asked for a wait, how much earlier than asked the 2nd request came (0: the wait was honoured).
   */
  | { canvas: Verdict; unlockRequests: number; sentEarlyByMs?: number }
  /** The canvas's verdict alone (its requests are in the run column). */
  | { verdict: Verdict }
  /** Every canvas of the table. */
  | { requestsPerCanvas: RequestTally }
  /** Each of several canvases, with the API's count of unlock requests in all (overlapping runs). */
  | { unlockedOnce: RequestTally; unlockRequestsInAll: number }
  /** Between two Scan pages a writer renews one canvas and releases another. */
  | { stillStaleUnlockedOnce: number; writerCanvasesUnlocked: number }
  /** Several canvases of one run, by what they are. */
  | { verdicts: Record<string, Verdict> }
  /** What the lock API adapter returned for each hostile id (distinct results). */
  | { adapterResults: { kind: string; attempts: number }[] }
  | { payloadRejected: { firstProblem: string } | { problemsListed: number; lastProblem: string } }
  | { unlockCount: number; unlockRequests: number }
  /** The invocation threw; its canvas's fate is in the summary column. */
  | { thrown: string }
  | { redactedLockIdShown: number }
  /** Refused at cold start: how many of the values were refused with a ConfigError naming only `variable`. */
  | { refusedAtStart: number; of: number; variable: string }
  | { exitCode: number; clockAheadMinutes: number | null; allowedSeconds: number | null; graceSeconds: number | null }
  | { unlocked: number; runStopped: number }
  /** A command line refused what it was given: its exit code and the words its message starts with. */
  | { cli: string; refused: number; of: number; exitCode: number; said: string }
  | { apiRequests: number }
  | { grace: { freedInside: number; keptPast: number; gracesSeconds: number[] } };

export type Summary =
  /** How the run summary accounts for the canvas (an empty object: counted, no failure). */
  | {
      failure?: { kind: FailureKind; httpStatus?: number };
      /** How many parts of the failure's kept message were redacted. */
      failureRedactions?: number;
      warnings?: WarningKind[];
      invalidRow?: true;
      cutShort?: StopReason;
    }
  | { counts: RunCounts }
  | { invocationFails: true }
  /**
   * Several runs: their counters added up, and the rows a run did not account for (`run <n>: <assetId> (<why>)`: not
   * exactly one outcome, or skipped as live or invalid).
   */
  | { unlockedInAll: number; failedInAll?: number; warningsInAll?: number; notAccountedFor?: string[] };

/** What one row holds after the run, compared with before it. */
export type RowChange =
  /** Unchanged: it keeps its lock, no claim left. */
  | 'kept'
  /** It keeps its lock and the run's claim, which lapses at the run's deadline. */
  | 'kept-claimed'
  | 'kept-not-found-recorded'
  /** Scenario's live expiry written over the stale lock; the old lockId gone; other attributes kept. */
  | 'healed'
  /** Lock removed, audit trail written, other attributes kept. */
  | 'freed'
  | 'freed-other-attributes-changed'
  /** The row is exactly as the writer left it (its lock, or no lock if it released). */
  | 'as-writer-left-it'
  | 'still-deleted'
  | 'untracked'
  | 'lost'
  | 'absent'
  | { writerLockKept: true; claimLingers: boolean }
  | { changedTo: unknown };

export type Row =
  | { row: RowChange }
  /** A row that was never stored (injected into a Scan answer): the table holds no row for it. */
  | { notInTable: true }
  | { rows: { freed: number; unchanged: number; claimsLeft?: number; other?: RowChange[] } }
  /** The rows still holding a lock after the runs, and those still holding a claim. */
  | { notFreed: string[]; claimsLeftOn?: string[] };

export type Run =
  /** The run goes on; `othersNotUnlocked`: the other stale canvases of the run that were not unlocked. */
  | { goesOn: true; othersNotUnlocked?: string[]; requestsForIt?: number; offPathRequests?: string[] }
  /**
   * The run stopped at this canvas: the requests sent after it (their asset ids), and the canvases not yet tried that
   * were not reported run-stopped.
   */
  | { stops: StopReason | null; requestsAfterIt: string[]; notTriedUnaccounted: string[] }
  /** A row update gave up: what a run before the claim lapses and one after it did, and the row after both. */
  | { othersNotUnlocked: string[]; beforeLapse: Verdict; afterLapse: Verdict; unlockRequestsInAll: number; rowAfterwards: RowChange }
  | { sdkRetried: number; operation: 'Scan' }
  /** The run stops after the SDK's attempts (at a Scan page); what the next run, without the fault, does. */
  | {
      stopsAfterAttempts: number;
      /** GetItem: the brake row's read, before the scan. */
      operation: 'Scan' | 'BatchGetItem' | 'GetItem';
      atPage?: number;
      /** Named canvases the run reported as not-tracked (it could not read them). */
      notTrackedReported?: number;
      thrown?: string;
      nextRun?: { unlocks: number; thenRequestsPerCanvas: RequestTally; thenRows?: { freed: number; unchanged: number } };
    }
  /** The Scan pages read, and the rows not examined exactly once (`<assetId> ×<times>`). */
  | { scanPages: number; notExaminedOnce: string[] }
  | { batchGetRounds: number; waitsMs: number[]; stops: boolean }
  /** Nothing was done: no secret read (when it was looked at) and no request to the API. */
  | { nothingDone: { secretReads?: number; apiRequests: number; dynamoOperations?: string[] } }
  | { assetRecord: Record<string, unknown> }
  | { thrownRedactions: number }
  | { exitCodes: number[] }
  | { exitCode: number; summaryOnStdout: boolean; failureTableOnStderr?: boolean; apiRequests?: number }
  | { runs: number; distinctUnlocked: number }
  /** The brake stopped the run holding these projects; whether the brake row holds their engagement afterwards, and whether the run moved the marks. */
  | { brakeHolds: string[]; engagedInRow: boolean; marksMoved: boolean }
  | { cliExitCode: number; lambdaReturnedSummary: boolean }
  | { adapterRequests: number };

/** A log line about the canvas (level and message; debug lines left out). */
export interface LogLine {
  level: 'info' | 'warn' | 'error' | 'critical';
  message: string;
  /** The fields of the logged asset record whose signed URLs were redacted. */
  redactedUrls?: string[];
}

export type Log =
  | { lines: LogLine[] }
  /** Several runs' lines at warn or above about the canvases. */
  | { warnOrAbove: LogLine[] }
  /** What a CLI wrote to stderr, as far as the case cares. */
  | { stderr: 'clock error, nothing done' | 'SIGINT: stopping, no canvas starts' | 'something else' }
  /** The JSON log lines a CLI printed, and how many C1 or bidi control characters they held raw (not escaped). */
  | { jsonLines: number; rawTerminalControls: number };

/** Everything a fault test compares. `null`: the column does not apply to the case (the doc prints "n/a"). */
export interface Expected {
  outcome: Outcome;
  summary: Summary | null;
  row: Row | null;
  run: Run | null;
  log: Log | null;
}

/** What a scenario observed: the same type, so the test compares values. */
export type Observed = Expected;
