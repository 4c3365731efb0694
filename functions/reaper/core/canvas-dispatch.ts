import type { TrackedCanvas } from './tracked-canvas';

/**
 * Starts canvases' lives a bounded number per project at a time, and never makes the table read wait on one project:
 * while a project's canvases are all under way (its API slow or throttling), its next ones wait in its own queue,
 * and the scan goes on to other projects' canvases. Only a project with `maxQueuedPerProject` canvases waiting makes
 * the scan wait, so memory stays bounded; with one key for every row there is nobody to be fair to, and the scan
 * simply waits for room (maxQueuedPerProject 0), keeping no canvas in memory beyond those under way.
 */
export class CanvasDispatch {
  private readonly underWay = new Map<string, Set<Promise<void>>>();
  private readonly queued = new Map<string, TrackedCanvas[]>();

  constructor(
    private readonly live: (canvas: TrackedCanvas) => Promise<void>,
    private readonly limits: { underWayPerProject: number; maxQueuedPerProject: number },
  ) {}

  async submit(canvas: TrackedCanvas, project: string): Promise<void> {
    const running = this.running(project);
    let queue = this.queued.get(project);
    if (!queue) {
      queue = [];
      this.queued.set(project, queue);
    }
    for (;;) {
      if (running.size < this.limits.underWayPerProject && queue.length === 0) return this.begin(canvas, project);
      if (queue.length < this.limits.maxQueuedPerProject) {
        queue.push(canvas);
        return;
      }
      await Promise.race(running);
    }
  }

  /** Resolves once every submitted canvas has run its course. */
  async drain(): Promise<void> {
    for (;;) {
      const all = [...this.underWay.values()].flatMap((set) => [...set]);
      if (all.length === 0) return;
      await Promise.all(all);
    }
  }

  private running(project: string): Set<Promise<void>> {
    let set = this.underWay.get(project);
    if (!set) {
      set = new Set();
      this.underWay.set(project, set);
    }
    return set;
  }

  private begin(canvas: TrackedCanvas, project: string): void {
    const running = this.running(project);
    const life: Promise<void> = this.live(canvas).finally(() => {
      running.delete(life);
      const next = this.queued.get(project)?.shift();
      if (next) this.begin(next, project);
    });
    running.add(life);
  }
}
