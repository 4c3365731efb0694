/** A canvas's life as the limiter runs it: it gives its request slot back when its last request ends (may be called twice). */
export type LimitedTask = (releaseSlot: () => void) => Promise<void>;

/**
 * With no queue given, the canvases one key may have waiting for a slot before the scan waits for that key: enough
 * that a slow key does not hold up the other keys' canvases further down the table, small enough to keep memory flat.
 */
export const MAX_QUEUED_PER_KEY = 256;

/** Canvases whose requests are done but whose row update is still under way, per request slot. */
const RECORDS_PENDING_PER_SLOT = 1;

interface KeyState {
  /** Canvases holding a request slot (from their claim to the end of their last request). */
  active: number;
  /** Canvases waiting for a slot, oldest first. */
  queue: LimitedTask[];
  /** Scans waiting for room in this key's queue. */
  roomWaiters: (() => void)[];
}

/**
 * The run's one limiter: it takes a canvas with the key that will serve it, and runs it when the global limit
 * (`maxInFlight` canvases between their claim and their last request) and that key's share allow. A key alone in use
 * may hold every slot; once two or more keys have canvases under way or waiting, none may hold more than half, so
 * one key's slow or throttling API cannot starve the others, and the keys take turns for freed slots. Each key has
 * a bounded queue: the scan waits only when the key of the canvas at hand has its queue full. A canvas's row update
 * after its slot is given back overlaps other canvases' requests, at most one per slot, so memory stays flat.
 */
export class CanvasLimiter<Key> {
  private readonly keys = new Map<Key, KeyState>();
  private readonly underWay = new Set<Promise<void>>();
  private active = 0;
  private turn = 0;
  private readonly maxInFlight: number;
  private readonly maxQueuedPerKey: number;

  constructor(limits: { maxInFlight: number; maxQueuedPerKey?: number }) {
    this.maxInFlight = Math.max(1, limits.maxInFlight);
    this.maxQueuedPerKey = limits.maxQueuedPerKey ?? MAX_QUEUED_PER_KEY;
  }

  /** Resolves once the canvas is running or queued; waits only while this key's queue is full. */
  async submit(key: Key, task: LimitedTask): Promise<void> {
    const state = this.stateOf(key);
    while (state.queue.length >= this.maxQueuedPerKey && !this.mayStart(state)) {
      await new Promise<void>((resolve) => state.roomWaiters.push(resolve));
    }
    state.queue.push(task);
    this.startWhatMay();
  }

  /** Resolves once every submitted canvas has run its course. */
  async drain(): Promise<void> {
    while (this.underWay.size > 0) await Promise.all(this.underWay);
  }

  private stateOf(key: Key): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { active: 0, queue: [], roomWaiters: [] };
      this.keys.set(key, state);
    }
    return state;
  }

  /** A key's share: every slot while it is the only key in use, else half of them. */
  private mayStart(state: KeyState): boolean {
    if (this.active >= this.maxInFlight) return false;
    if (this.underWay.size >= this.maxInFlight * (1 + RECORDS_PENDING_PER_SLOT)) return false;
    let keysInUse = 0;
    for (const other of this.keys.values()) if (other === state || other.active > 0 || other.queue.length > 0) keysInUse += 1;
    const share = keysInUse > 1 ? Math.ceil(this.maxInFlight / 2) : this.maxInFlight;
    return state.active < share;
  }

  /** Starts waiting canvases while slots allow, the keys taking turns (in order of first use). */
  private startWhatMay(): void {
    for (;;) {
      const keys = [...this.keys.values()];
      const offset = keys.findIndex((_, i) => {
        const state = keys[(this.turn + i) % keys.length]!;
        return state.queue.length > 0 && this.mayStart(state);
      });
      if (offset < 0) break;
      const index = (this.turn + offset) % keys.length;
      this.turn = (index + 1) % keys.length;
      this.start(keys[index]!);
    }
    // Keys with nothing under way or waiting are forgotten, so a long run's map holds only the keys in use.
    for (const [key, state] of this.keys)
      if (state.active === 0 && state.queue.length === 0 && state.roomWaiters.length === 0) this.keys.delete(key);
  }

  private start(state: KeyState): void {
    const task = state.queue.shift()!;
    state.roomWaiters.shift()?.();
    state.active += 1;
    this.active += 1;
    let released = false;
    const releaseSlot = () => {
      if (released) return;
      released = true;
      state.active -= 1;
      this.active -= 1;
      this.startWhatMay();
    };
    const life: Promise<void> = Promise.resolve()
      .then(() => task(releaseSlot))
      .finally(() => {
        this.underWay.delete(life);
        releaseSlot();
        this.startWhatMay();
      });
    this.underWay.add(life);
  }
}
