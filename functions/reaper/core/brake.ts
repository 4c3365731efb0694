/**
 * The brake on mass expiry. If the editors' writer breaks and stops renewing rows, every active lock looks stale
 * within one lock lifetime, and a reaper trusting the table would free every active editor's lock at once. Like
 * Kubernetes' node lifecycle controller, which stops evicting when a large share of a zone goes unhealthy at once,
 * the reaper holds back when many locks went stale *recently* compared with the locks still live.
 *
 * Locks that went stale long before the window (a backlog: a first deployment, a weekend) never count.
 */

export interface BrakeSettings {
  /** A stale lock is "newly stale" when its expiry plus the grace falls within this many seconds before now. */
  windowSeconds: number;
  /** At least this many newly stale locks trip the brake; 0 turns the brake off. */
  minLocks: number;
  /** …and they are at least this share of newly stale + live locks. */
  share: number;
}

/** What the table keeps while the brake is engaged (it stays engaged until a person releases it). */
export interface BrakeState {
  trippedAtMs: number;
  runId: string;
  newlyStale: number;
  live: number;
}

export interface BrakeCounts {
  newlyStale: number;
  live: number;
}

/** The moment a lock became stale: its expiry plus the grace. */
const staleSince = (expiresAtMs: number, graceMs: number) => expiresAtMs + graceMs;

export function isNewlyStale(expiresAtMs: number, graceMs: number, nowMs: number, settings: BrakeSettings): boolean {
  return staleSince(expiresAtMs, graceMs) > nowMs - settings.windowSeconds * 1000;
}

/** The trip rule: enough newly stale locks, and a large enough share of them. */
export function tripsBrake(counts: BrakeCounts, settings: BrakeSettings): boolean {
  if (settings.minLocks === 0 || counts.newlyStale < settings.minLocks) return false;
  return counts.newlyStale / (counts.newlyStale + counts.live) >= settings.share;
}

/**
 * While the brake is engaged, no lock that went stale after (trip time − window) is unlocked: those are the locks the
 * trip held, and the ones that went stale since. Without this, the held locks would age past the window and the next
 * run would free them all, only later.
 */
export function heldByEngagedBrake(expiresAtMs: number, graceMs: number, state: BrakeState, settings: BrakeSettings): boolean {
  return staleSince(expiresAtMs, graceMs) > state.trippedAtMs - settings.windowSeconds * 1000;
}

/** The share of newly stale among newly stale + live locks (0 when there are none), rounded for a report. */
export function newlyStaleShare(counts: BrakeCounts): number {
  const total = counts.newlyStale + counts.live;
  return total === 0 ? 0 : Math.round((counts.newlyStale / total) * 1000) / 1000;
}
