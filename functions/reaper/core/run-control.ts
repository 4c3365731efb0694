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
  private answers = 0;
  private notFound = 0;

  constructor(
    private readonly clock: Clock,
    private readonly deadlineMs: number,
    private readonly safetyMarginMs: number,
  ) {}

  /**
   * One HTTP answer of the API (a GET or a PUT; a timeout is no answer). Answers about canvases an earlier run already
   * found gone do not count, so a few deleted canvases nobody untracked cannot stop every run.
   */
  noteApiAnswer(status: number, canvasKnownNotFound: boolean): void {
    if (canvasKnownNotFound) return;
    this.answers += 1;
    if (status === 404) this.notFound += 1;
    if (this.notFound >= SUSPECT_BASE_URL_MIN_NOT_FOUND && this.notFound * 2 > this.answers) {
      this.stop(
        'suspect-base-url',
        `${this.notFound} of ${this.answers} API answers were 404: check SCENARIO_API_BASE_URL before untracking anything (no canvas was reported gone by this run's end)`,
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
