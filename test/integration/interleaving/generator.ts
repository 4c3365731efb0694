import type { ScriptedAnswer } from '#local/scenario-stand-in';

/**
 * The schedule generator: from a seed, a plan of what happens in one schedule (the canvases and their writers, the
 * faults, the reap runs), as plain data. The same seed gives the same plan; the world then runs it against the real
 * servers, where the operating system's timing decides the interleaving within it.
 */

/**
 * The time model, scaled down from the real world by about five so a schedule takes about a second: a writer's
 * mirror write lands 0-400 ms after its lock at Scenario (really 0-2 s or more), writers act within the first 300 ms,
 * runs start within the first 200 ms. Half the mirror lags are under 10 ms (inside the reaper's claim → verify →
 * unlock → record steps), half are longer (past them).
 */
export const TIME_MODEL = {
  writersActWithinMs: 300,
  runsStartWithinMs: 200,
  shortMirrorLagMaxMs: 10,
  mirrorLagMaxMs: 400,
  /** An unlock the API answers slowly: longer than the reaper's steps, shorter than its request timeout. */
  slowUnlockMs: { min: 20, max: 150 },
  /** A newcomer that locks the canvas just after an unlock was applied (while the reaper waits for its answer). */
  newcomerAfterApplyMs: 5,
  /** Lock expiries are minutes away from now, so wall-clock jitter cannot flip a verdict. */
  lockMinutes: { min: 5, max: 30 },
} as const;

/** Chance that a writer's mirror write never lands (a lost write: the row lags Scenario until the next one). */
export const MIRROR_LOSS_CHANCE = 0.15;

/** mulberry32: a small, seedable PRNG. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof prng>;

/** How a writer mirrors a change of its lock at Scenario into the table. */
export interface MirrorPlan {
  lagMs: number;
  /** PutItem replaces the whole row (the reaper's claim with it); UpdateItem sets or removes the lock only. */
  how: 'put' | 'update';
  lost: boolean;
}

/**
 * What a writer does to its canvas: take a fresh live lock (an editor opening or renewing it), take a lock that is
 * already past its expiry (an editor that went away long ago, time compressed), or release its lock with its lockId.
 */
export type WriterAction = 'renew' | 'abandon' | 'release';

export interface WriterOpPlan {
  action: WriterAction;
  /** From the start of the schedule. */
  atMs: number;
  /** How far the lock's expiry is from now (ahead for renew, behind for abandon). */
  minutes: number;
  mirror: MirrorPlan;
}

/**
 * Where each canvas starts: free, locked live, locked stale (an abandoned lock), or lagging: Scenario holds a live
 * lock while the row still holds the stale one before it (its mirror write was lost).
 */
export type InitialState = 'free' | 'live' | 'stale' | 'lagging';

/** Faults of the Scenario API for one canvas, and writers who act at the moment a reaper's request arrives. */
export type ApiFaultPlan =
  /** Plain scripted answers, for the next requests of one route. */
  | { kind: 'answers'; route: 'unlock' | 'get'; answers: ScriptedAnswer[] }
  /** A writer locks the canvas when the unlock arrives, before it is applied (inside the verify → unlock window). */
  | { kind: 'newcomer-at-unlock'; op: WriterOpPlan; andThen?: ScriptedAnswer }
  /** The unlock is applied and its answer lost; a writer locks the canvas meanwhile (the retry must not free it). */
  | { kind: 'newcomer-after-apply'; op: WriterOpPlan; andThen: ScriptedAnswer }
  /** A writer renews the lock when the reaper's GET arrives: the GET shows it, and the heal races the mirror write. */
  | { kind: 'renewal-at-get'; op: WriterOpPlan }
  /** The odd-answers variant: Scenario answers the next `times` requests of one route with an odd shape. */
  | { kind: 'odd-answer'; route: 'unlock' | 'get'; shape: OddShape; times: number };

/**
 * Answers the reaper must not understand as "no lock" or "unlocked" (issue 16): an asset without `metadata`, a lock it
 * cannot parse, a redirect (never followed), and a 403 (the key refused for this asset). Each frees nothing.
 */
export const ODD_SHAPES = ['metadata-absent', 'lock-unparsable', 'redirect', 'forbidden'] as const;
export type OddShape = (typeof ODD_SHAPES)[number];
/** Shapes a PUT can get (an asset shape only matters to the GET that reads the lock). */
const ODD_UNLOCK_SHAPES: readonly OddShape[] = ['redirect', 'forbidden'];

export interface CanvasPlan {
  initial: InitialState;
  initialMinutes: number;
  /**
   * Whether this canvas's writer releases its lock (by HTTP, with its lockId). Scripted unlock answers are queued
   * per canvas, not per caller, so a canvas whose writer releases gets none: they are meant for the reaper.
   */
  releases: boolean;
  /** In time order. */
  ops: WriterOpPlan[];
  apiFaults: ApiFaultPlan[];
}

export type DynamoFaultKind =
  | 'scan-throttled'
  | 'scan-throttled-3'
  | 'claim-throttled'
  | 'claim-answer-lost'
  | 'record-throttled'
  | 'record-answer-lost'
  | 'release-fails'
  | 'get-dropped'
  | 'heal-throttled'
  | 'heal-answer-lost';

export interface DynamoFaultPlan {
  kind: DynamoFaultKind;
  times: number;
}

export interface RunPlan {
  atMs: number;
  maxInFlight: number;
  pageSize?: number;
}

/**
 * 'plain': writers, runs and faults as ever. 'odd-answers': the same, and Scenario also answers some canvases' requests
 * with odd shapes (ODD_SHAPES); the invariants must hold all the same (every other seed).
 */
export type ScheduleVariant = 'plain' | 'odd-answers';

/** Chance that a canvas of the odd-answers variant gets odd answers. */
export const ODD_ANSWER_CHANCE = 0.5;

export interface SchedulePlan {
  seed: number;
  variant: ScheduleVariant;
  canvases: CanvasPlan[];
  /** Faults on the reaper's own DynamoDB requests (writers are never faulted). */
  dynamoFaults: DynamoFaultPlan[];
  /** Overlapping reap runs (a final fault-free run follows them). */
  runs: RunPlan[];
}

const UNLOCK_ANSWERS: readonly ScriptedAnswer[][] = [
  [{ status: 500 }],
  [{ status: 503 }, { status: 503 }],
  [{ status: 429 }],
  [{ hang: true }],
  [{ reset: true }],
  [{ destroy: true }],
  [{ status: 404 }],
  [{ applyThen: 'hang' }],
  [{ applyThen: 'reset' }],
  [{ applyThen: { status: 504 } }],
];
const APPLY_THEN_FAIL: readonly ScriptedAnswer[] = [{ applyThen: 'hang' }, { applyThen: 'reset' }, { applyThen: { status: 504 } }];
const GET_ANSWERS: readonly ScriptedAnswer[][] = [[{ status: 503 }], [{ hang: true }], [{ reset: true }], [{ status: 404 }]];

export function planSchedule(seed: number): SchedulePlan {
  const rng = prng(seed);
  const canvases = Array.from({ length: rng.int(3, 6) }, () => planCanvas(rng));
  const dynamoFaults = Array.from({ length: rng.int(0, 3) }, () => planDynamoFault(rng));
  const runs = Array.from({ length: rng.int(1, 3) }, () => ({
    atMs: rng.int(0, TIME_MODEL.runsStartWithinMs),
    maxInFlight: rng.int(1, 4),
    ...(rng.chance(0.5) ? { pageSize: 2 } : {}),
  }));
  const variant: ScheduleVariant = seed % 2 === 0 ? 'plain' : 'odd-answers';
  // The odd answers come from a PRNG of their own, so the rest of each seed's plan is the same in both variants.
  if (variant === 'odd-answers') {
    const odd = prng(seed ^ 0x0dd5);
    for (const canvas of canvases) if (odd.chance(ODD_ANSWER_CHANCE)) canvas.apiFaults.push(planOddAnswer(odd, canvas.releases));
  }
  return { seed, variant, canvases, dynamoFaults, runs };
}

function planOddAnswer(rng: Rng, releases: boolean): ApiFaultPlan {
  // Scripted unlock answers are queued per canvas: a canvas whose writer releases over HTTP gets GET answers only.
  const route = !releases && rng.chance(0.3) ? 'unlock' : 'get';
  const shape = rng.pick(route === 'unlock' ? ODD_UNLOCK_SHAPES : ODD_SHAPES);
  return { kind: 'odd-answer', route, shape, times: rng.int(1, 3) };
}

function planCanvas(rng: Rng): CanvasPlan {
  const initial = rng.pick(['free', 'live', 'stale', 'stale', 'lagging'] as const);
  const initialMinutes = lockMinutes(rng);
  const releases = rng.chance(0.4);
  const actions: readonly WriterAction[] = releases ? ['renew', 'renew', 'release', 'abandon'] : ['renew', 'renew', 'abandon'];
  const ops = Array.from({ length: rng.int(0, 3) }, () => planWriterOp(rng, rng.pick(actions))).sort((a, b) => a.atMs - b.atMs);
  const apiFaults: ApiFaultPlan[] = [];
  if (!releases && rng.chance(0.4)) apiFaults.push(planUnlockFault(rng));
  if (rng.chance(0.2)) apiFaults.push(planGetFault(rng));
  return { initial, initialMinutes, releases, ops, apiFaults };
}

function planWriterOp(rng: Rng, action: WriterAction): WriterOpPlan {
  return { action, atMs: rng.int(0, TIME_MODEL.writersActWithinMs), minutes: lockMinutes(rng), mirror: planMirror(rng) };
}

function planMirror(rng: Rng): MirrorPlan {
  const lagMs = rng.chance(0.5)
    ? rng.int(0, TIME_MODEL.shortMirrorLagMaxMs)
    : rng.int(TIME_MODEL.shortMirrorLagMaxMs, TIME_MODEL.mirrorLagMaxMs);
  return { lagMs, how: rng.chance(0.5) ? 'put' : 'update', lost: rng.chance(MIRROR_LOSS_CHANCE) };
}

function planUnlockFault(rng: Rng): ApiFaultPlan {
  const kind = rng.pick(['answers', 'answers', 'slow', 'newcomer-at-unlock', 'newcomer-after-apply'] as const);
  switch (kind) {
    case 'answers':
      return { kind, route: 'unlock', answers: rng.pick(UNLOCK_ANSWERS) };
    case 'slow':
      return {
        kind: 'answers',
        route: 'unlock',
        answers: [{ ok: true, delayMs: rng.int(TIME_MODEL.slowUnlockMs.min, TIME_MODEL.slowUnlockMs.max) }],
      };
    case 'newcomer-at-unlock': {
      const op = planWriterOp(rng, 'renew');
      return rng.chance(0.5) ? { kind, op, andThen: rng.pick(APPLY_THEN_FAIL) } : { kind, op };
    }
    case 'newcomer-after-apply':
      return { kind, op: planWriterOp(rng, 'renew'), andThen: rng.pick(APPLY_THEN_FAIL) };
  }
}

function planGetFault(rng: Rng): ApiFaultPlan {
  return rng.chance(0.3)
    ? { kind: 'renewal-at-get', op: planWriterOp(rng, 'renew') }
    : { kind: 'answers', route: 'get', answers: rng.pick(GET_ANSWERS) };
}

function planDynamoFault(rng: Rng): DynamoFaultPlan {
  const kind = rng.pick([
    'scan-throttled',
    'scan-throttled-3',
    'claim-throttled',
    'claim-answer-lost',
    'record-throttled',
    'record-answer-lost',
    'release-fails',
    'get-dropped',
    'heal-throttled',
    'heal-answer-lost',
  ] as const);
  const times: Record<DynamoFaultKind, () => number> = {
    'scan-throttled': () => rng.int(1, 2),
    'scan-throttled-3': () => 3,
    'claim-throttled': () => rng.int(1, 3),
    'claim-answer-lost': () => 1,
    'record-throttled': () => rng.int(1, 3),
    'record-answer-lost': () => 1,
    'release-fails': () => 3,
    'get-dropped': () => 1,
    'heal-throttled': () => rng.int(1, 3),
    'heal-answer-lost': () => 1,
  };
  return { kind, times: times[kind]() };
}

function lockMinutes(rng: Rng): number {
  return rng.int(TIME_MODEL.lockMinutes.min, TIME_MODEL.lockMinutes.max);
}
