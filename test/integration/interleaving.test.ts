import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_INTERLEAVING_SCHEDULES } from '../faults/catalogue';
import { planSchedule } from './interleaving/generator';
import { checkSchedule, NO_STATS, type ScheduleStats } from './interleaving/invariants';
import { type InterleavingServers, runSchedule, startInterleavingServers } from './interleaving/world';

/**
 * Randomized interleavings, with Scenario as the truth: writers lock at the Scenario stand-in first and mirror the
 * lock into the table after a lag (or lose the mirror write), renew, release with their lockId; overlapping reap runs
 * (verifying at the source) and faults (API answers lost after the unlock was applied, 5xx, hangs, resets; DynamoDB
 * throttling, lost answers, dropped connections) run beside them, against the real local servers. Each seed makes a
 * plan (interleaving/generator.ts), the world runs it (interleaving/world.ts), and the invariants
 * (interleaving/invariants.ts) judge it from the stand-in's ordered lock and request logs and the proxy's write log.
 * Every reaper request names its run in a header the stand-in records, so a request is tied to its run exactly (0):
 *
 *  1. no lock live at Scenario is freed, except inside the verify → unlock window (taken after the reaper's last GET);
 *  2. every such case the reaper could observe (the lock's mirror write landed before its row check or record) is
 *     reported as a doubt, counted in possibleLiveLockUnlocks; the others are counted and printed as the window's cost;
 *  3. an unlock Scenario applied is never reported as skipped;
 *  4. no row is lost, and each row ends as its writer left it (or freed of that stale lock, or healed from Scenario);
 *  5. the reaper changes a row's lock only over the stale lock it claimed;
 *  6. honest runs: one outcome per examined row, counters that match, every doubt counted;
 *  7. a final fault-free run frees exactly what is stale at Scenario among the rows the table says are stale;
 *  8. (the odd-answers variant, every other seed) an answer Scenario gives in an odd shape (no metadata, an
 *     unparsable lock, a redirect, a 403) fails its canvas in that run, and no unlock follows an odd GET.
 *
 * A failing schedule prints its seed and the command that replays it:
 *
 *   REAPER_INTERLEAVING_SEED=<seed> REAPER_INTERLEAVING_SCHEDULES=1 npx vitest run test/integration/interleaving.test.ts
 */

const SCHEDULES = Number(process.env.REAPER_INTERLEAVING_SCHEDULES ?? DEFAULT_INTERLEAVING_SCHEDULES);
const BASE_SEED = Number(process.env.REAPER_INTERLEAVING_SEED ?? 20_261_127);
const CONCURRENT_SCHEDULES = 3;
/** From this many schedules on, the schedules must have freed stale locks and met renewals at Scenario. */
const EXERCISE_SIZE = 20;
/** From this many schedules on, the rare interleavings must have shown up (the soak runs 400). */
const SOAK_SIZE = 200;

let servers: InterleavingServers;
beforeAll(async () => {
  servers = await startInterleavingServers(inject('dynamoEndpoint'));
});
afterAll(async () => {
  await servers.close();
});

async function checkSeed(seed: number): Promise<{ violations: string[]; stats?: ScheduleStats }> {
  try {
    return checkSchedule(await runSchedule(servers, planSchedule(seed)));
  } catch (error) {
    return { violations: [`threw: ${error instanceof Error ? error.stack : String(error)}`] };
  }
}

function replayCommand(seed: number): string {
  return `REAPER_INTERLEAVING_SEED=${seed} REAPER_INTERLEAVING_SCHEDULES=1 npx vitest run test/integration/interleaving.test.ts`;
}

function reportLine(total: ScheduleStats): string {
  const unobservable = total.windowCases - total.windowReported;
  return (
    `interleaving: ${SCHEDULES} schedules, ${total.runs} runs (${total.cutShort} cut short), ${total.forcedUnlocks} forced unlocks ` +
    `(${total.staleLocksFreed} stale locks freed), ${total.renewedAtSource} renewed at source (${total.heals} rows healed), ` +
    `${total.renewed} renewed, ${total.mirrorsLost} mirror writes lost, ${total.possibleLiveLockUnlocks} possible live-lock unlocks reported; ` +
    `${total.windowCases} live locks freed inside the verify→unlock window (${total.windowReported} reported, ${unobservable} unobservable; ` +
    `${total.windowObservable} observable by the timing rule, ${total.windowAmbiguous} ambiguous); ` +
    `odd-answers variant: ${total.oddSchedules} schedules, ${total.oddAnswers} odd answers (${total.oddAnswersAttributed} tied to a run); ` +
    `${total.liveFreedOutsideWindow} live locks freed outside the verify→unlock window`
  );
}

describe('randomized interleavings of writers, overlapping reap runs and faults, with Scenario as the truth', () => {
  it(
    `keeps the invariants over ${SCHEDULES} seeded schedules (seeds ${BASE_SEED}…${BASE_SEED + SCHEDULES - 1})`,
    async () => {
      const failures: string[] = [];
      const total: ScheduleStats = { ...NO_STATS };
      const seeds = Array.from({ length: SCHEDULES }, (_, i) => BASE_SEED + i);
      // A few schedules at a time, each worker taking the next seed as soon as its schedule is judged.
      const worker = async () => {
        for (let seed = seeds.shift(); seed !== undefined; seed = seeds.shift()) {
          const { violations, stats } = await checkSeed(seed);
          if (violations.length > 0) {
            const message = `schedule seed ${seed} broke an invariant (replay: ${replayCommand(seed)}):\n  ${violations.join('\n  ')}`;
            console.error(message);
            failures.push(message);
          }
          if (stats) for (const k of Object.keys(total) as (keyof ScheduleStats)[]) total[k] += stats[k];
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_SCHEDULES }, worker));
      console.log(reportLine(total));
      expect(failures).toEqual([]);
      expect(total.liveFreedOutsideWindow).toBe(0);
      // The schedules really exercise the reaper: stale locks freed, renewals found at Scenario, races with writers (a
      // replay of one seed need not show any of them).
      if (SCHEDULES >= EXERCISE_SIZE) {
        expect(total.staleLocksFreed).toBeGreaterThan(SCHEDULES);
        expect(total.renewedAtSource).toBeGreaterThan(0);
        expect(total.oddAnswersAttributed).toBeGreaterThan(0);
      }
      if (SCHEDULES >= SOAK_SIZE) {
        expect(total.windowCases).toBeGreaterThan(0);
        expect(total.renewed + total.possibleLiveLockUnlocks).toBeGreaterThan(0);
      }
    },
    30_000 + SCHEDULES * 1_000,
  );
});
