import type { Clock } from './ports';
import type { StopReason } from './summary';

export interface RunStop {
  reason: StopReason;
  detail: string;
}

/**
 * The run's stopping rule, in one place. A run stops when a canvas's failure says something about the whole run
 * (refused credentials, the deadline), when the table cannot be read, when the brake trips, or when less than the
 * safety margin is left before the deadline. The first reason wins; no canvas starts after it.
 */
export class RunControl {
  private stopped: RunStop | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly deadlineMs: number,
    private readonly safetyMarginMs: number,
  ) {}

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
