import type { Clock } from './ports';
import type { StopReason } from './summary';

export interface RunStop {
  reason: StopReason;
  detail: string;
}

/** Scenario answering 404 this often is the base URL's fault, not a wave of deleted canvases. */
export const SUSPECT_BASE_URL_MIN_NOT_FOUND = 5;

/**
 * The run's stopping rule, in one place. A run stops when a canvas's failure says something about the whole run
 * (refused credentials, the deadline), when most API answers are 404 (a wrong base URL: reporting each canvas as
 * gone would send ops to untrack live canvases), when the table cannot be read, when the brake trips, when a person
 * interrupts it, or when less than the safety margin is left before the deadline. The first reason wins; no canvas
 * starts after it.
 */
export class RunControl {
  private stopped: RunStop | undefined;
  private readonly answers = new Map<string, { all: number; notFound: number }>();
  private readonly refused = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    private readonly deadlineMs: number,
    private readonly safetyMarginMs: number,
    /** With a key per project, a refused key stops only its project; with one key (undefined), the run. */
    private readonly keyedProjects?: readonly string[],
  ) {}

  /** The API refused a project's key (401/403). */
  refuseProject(project: string, detail: string): void {
    if (!this.keyedProjects) {
      this.stop('credentials-rejected', detail);
      return;
    }
    if (!this.refused.has(project)) this.refused.set(project, detail);
    if (this.keyedProjects.every((keyed) => this.refused.has(keyed)))
      this.stop('credentials-rejected', `every project's key was refused: ${detail}`);
  }

  isRefused(project: string): boolean {
    return this.refused.has(project);
  }

  get refusedProjects(): string[] {
    return [...this.refused.keys()];
  }

  /**
   * One HTTP answer of the API (a GET or a PUT; a timeout is no answer). Answers about canvases an earlier run already
   * found gone do not count, so a few deleted canvases nobody untracked cannot stop every run.
   */
  noteApiAnswer(status: number, canvasKnownNotFound: boolean, project: string): void {
    if (canvasKnownNotFound) return;
    // Counted per project: a key used on another project's canvases may answer 404 too.
    const counts = this.answers.get(project) ?? { all: 0, notFound: 0 };
    this.answers.set(project, counts);
    counts.all += 1;
    if (status === 404) counts.notFound += 1;
    if (counts.notFound >= SUSPECT_BASE_URL_MIN_NOT_FOUND && counts.notFound * 2 > counts.all) {
      const where = this.keyedProjects ? ` (project ${project})` : '';
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
}
