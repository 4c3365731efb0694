import { DEFAULT_PROJECT } from './project';

/**
 * A counting semaphore for the run's in-flight limit, shared fairly across Scenario projects: at most `limit` holders
 * at once, at most `perProjectLimit` of them from one project, so one project's slow or throttling API cannot hold
 * every slot. Waiters are served in arrival order within a project, and the projects take turns.
 */
export class RequestSlots {
  private active = 0;
  private readonly activeByProject = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private turn = 0;

  constructor(
    private readonly limit: number,
    private readonly perProjectLimit = limit,
  ) {}

  /** Resolves with the function that gives the slot back, once a slot is free for this project. */
  async acquire(project = DEFAULT_PROJECT): Promise<() => void> {
    // Another project waiting is at its own limit (else it would hold this slot already): it does not block this one.
    if (!this.waiting.has(project) && this.grantable(project)) this.take(project);
    else await new Promise<void>((resolve) => this.waiting.set(project, [...(this.waiting.get(project) ?? []), resolve]));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.activeByProject.set(project, (this.activeByProject.get(project) ?? 1) - 1);
      this.grantWaiters();
    };
  }

  private grantable(project: string): boolean {
    return this.active < this.limit && (this.activeByProject.get(project) ?? 0) < this.perProjectLimit;
  }

  private take(project: string): void {
    this.active += 1;
    this.activeByProject.set(project, (this.activeByProject.get(project) ?? 0) + 1);
  }

  /** A freed slot goes straight to a waiter (taken before it resumes, so no newcomer can slip in first). */
  private grantWaiters(): void {
    while (this.active < this.limit) {
      const projects = [...this.waiting.keys()];
      const index = projects.findIndex((_, i) => this.grantable(projects[(this.turn + i) % projects.length]!));
      if (index < 0) return;
      const project = projects[(this.turn + index) % projects.length]!;
      this.turn = (this.turn + index + 1) % projects.length;
      const queue = this.waiting.get(project)!;
      const resolve = queue.shift()!;
      if (queue.length === 0) this.waiting.delete(project);
      this.take(project);
      resolve();
    }
  }
}
