import type { ApiStep, Clock, UnlockFailureKind } from './ports';
import type { RunStop, StopReason } from './summary';

/** Scenario answering 404 this often is the base URL's fault, not a wave of deleted canvases. */
const SUSPECT_BASE_URL_MIN_NOT_FOUND = 5;

/** A key is refused after 403s on this many different assets for one method, with no 2xx for that method first. */
const FORBIDDEN_ASSETS_TO_REFUSE = 2;

/** The projects named as using a refused key are capped (a default key serves whatever projects rows name). */
const MAX_PROJECTS_PER_KEY = 100;

/** One API answer for a canvas, as the run's rules need it (a timeout is no answer: no status). */
interface ApiAnswer<Key> {
  key: Key;
  step: ApiStep;
  assetId: string;
  project: string;
  /** An earlier run already found this canvas gone (lastNotFoundAt). */
  knownNotFound: boolean;
  status?: number;
  /** The failure's kind; undefined for a 2xx. */
  failure?: UnlockFailureKind;
  /** Safe to log: what the failure said. */
  message?: string;
}

interface KeyRecord {
  /** Some answer with this key in this run was a 2xx, per method. */
  answered: Record<ApiStep, boolean>;
  /** Assets that answered 403 to this key, per method, while it had no 2xx for that method. */
  forbidden: Record<ApiStep, Set<string>>;
  /** The projects whose rows used this key in this run. */
  projects: Set<string>;
  refusal?: string;
}

/**
 * The run's stopping rule, in one place. A run stops when a canvas's failure says something about the whole run
 * (the deadline, every key refused), when most API answers are 404 (a wrong base URL: reporting each canvas as gone
 * would send ops to untrack live canvases), when the table cannot be read, when the brake trips, when a person
 * interrupts it, or when less than the safety margin is left before the deadline. The first reason wins; no canvas
 * starts after it.
 *
 * Refusal belongs to a key, never to a project: a 401 refuses the key at once; a 403 is one asset's problem, and the
 * key is refused only after 403s on two different assets for the same method (GET or PUT) with no 2xx for that
 * method from it in this run, in the order answers are recorded (so a key that may read but not unlock is caught).
 * The canvases of a refused key are skipped; the run stops only when every key of the credentials is refused.
 */
export class RunControl<Key = unknown> {
  private stopped: RunStop | undefined;
  private readonly answers = new Map<string, { all: number; notFound: number }>();
  private readonly keys = new Map<Key, KeyRecord>();

  constructor(
    private readonly clock: Clock,
    private readonly deadlineMs: number,
    private readonly safetyMarginMs: number,
    /** How many distinct keys the credentials hold: the run stops once all of them are refused. */
    private readonly keyCount = 1,
  ) {}

  /** A canvas of `project` is about to use `key` (its project is named if the key is refused). */
  noteKeyUse(key: Key, project: string): void {
    const projects = this.recordOf(key).projects;
    if (projects.size < MAX_PROJECTS_PER_KEY) projects.add(project);
  }

  isRefused(key: Key): boolean {
    return this.keys.get(key)?.refusal !== undefined;
  }

  /** Some answer with this key was a 2xx in this run (its 404s then say more than a wrong base URL would). */
  hadSuccess(key: Key): boolean {
    const answered = this.keys.get(key)?.answered;
    return answered !== undefined && (answered.verify || answered.unlock);
  }

  /** Every project whose rows used a refused key in this run. */
  get refusedProjects(): string[] {
    const projects = new Set<string>();
    for (const record of this.keys.values()) if (record.refusal !== undefined) for (const project of record.projects) projects.add(project);
    return [...projects];
  }

  /**
   * One HTTP answer of the API (a GET or a PUT). It judges the key (see the class), and counts toward the "suspect
   * base URL" rule; answers about canvases an earlier run already found gone do not count there, so a few deleted
   * canvases nobody untracked cannot stop every run.
   */
  noteAnswer(answer: ApiAnswer<Key>): void {
    this.judgeKey(answer);
    if (answer.status === undefined || answer.knownNotFound) return;
    // Counted per project: a key used on another project's canvases may answer 404 too.
    const counts = this.answers.get(answer.project) ?? { all: 0, notFound: 0 };
    this.answers.set(answer.project, counts);
    counts.all += 1;
    if (answer.status === 404) counts.notFound += 1;
    if (counts.notFound >= SUSPECT_BASE_URL_MIN_NOT_FOUND && counts.notFound * 2 > counts.all) {
      const where = this.keyCount > 1 ? ` (project ${answer.project})` : '';
      this.stop(
        'suspect-base-url',
        `${counts.notFound} of ${counts.all} API answers${where} were 404: check SCENARIO_API_BASE_URL before untracking anything (no canvas was recorded as gone)`,
      );
    }
  }

  stop(reason: StopReason, detail: string): void {
    this.stopped ??= { reason, detail };
  }

  get stopReason(): RunStop | undefined {
    return this.stopped;
  }

  /** May a canvas start now? Checked right before its claim, once it holds a request slot. */
  mayStart(): boolean {
    if (!this.stopped && this.clock.now() >= this.deadlineMs - this.safetyMarginMs) {
      this.stop('time-budget', 'less than the safety margin was left before the deadline');
    }
    return this.stopped === undefined;
  }

  private judgeKey(answer: ApiAnswer<Key>): void {
    const record = this.recordOf(answer.key);
    if (answer.failure === undefined) {
      if (answer.status === undefined || (answer.status >= 200 && answer.status < 300)) record.answered[answer.step] = true;
      return;
    }
    const detail = answer.message ?? answer.failure;
    if (answer.failure === 'credentials-rejected') {
      this.refuse(record, detail);
      return;
    }
    if (answer.failure !== 'forbidden' || record.answered[answer.step]) return;
    const forbidden = record.forbidden[answer.step];
    forbidden.add(answer.assetId);
    if (forbidden.size >= FORBIDDEN_ASSETS_TO_REFUSE) {
      const method = answer.step === 'verify' ? 'GET' : 'PUT';
      this.refuse(
        record,
        `${forbidden.size} different assets answered 403 to the ${method} with this key, and none answered 2xx: the key is refused (${detail})`,
      );
    }
  }

  private refuse(record: KeyRecord, detail: string): void {
    record.refusal ??= detail;
    if ([...this.keys.values()].filter((other) => other.refusal !== undefined).length >= this.keyCount)
      this.stop('credentials-rejected', this.keyCount > 1 ? `every key in the credentials was refused: ${detail}` : detail);
  }

  private recordOf(key: Key): KeyRecord {
    let record = this.keys.get(key);
    if (!record) {
      record = {
        answered: { verify: false, unlock: false },
        forbidden: { verify: new Set(), unlock: new Set() },
        projects: new Set(),
      };
      this.keys.set(key, record);
    }
    return record;
  }
}
