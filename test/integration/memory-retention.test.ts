import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import type { CanvasOutcome } from '#reaper/core/outcome';
import type { CanvasStore } from '#reaper/core/ports';
import { oneKey } from '#reaper/core/project';
import { reap } from '#reaper/core/reap';
import { MAX_LISTED_PER_KIND, type RunSummary } from '#reaper/core/summary';
import type { TrackedCanvas } from '#reaper/core/tracked-canvas';
import { captureOutput } from '#test-support/output-capture';
import { createReaperHarness, minutesAgo, type ReaperHarness } from '#test-support/reaper-harness';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Lets pending callbacks run (WeakRefs made in a job hold their target until it ends), then collects everything. */
async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 4; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}

/**
 * Issue 20, item 1: memory is flat in the number of canvases a run processes. A real run (AWS SDK → local DynamoDB,
 * ky → the Scenario stand-in, the Powertools logger at INFO) over stale canvases, some of which fail; WeakRefs to every
 * row the store handed out, every outcome and every asset record Scenario sent back. Once the run is over (and only
 * its summary is held), a forced full collection must have freed every one of them: nothing per canvas outlives its
 * canvas except the summary's capped lists, which hold their own small entries. No memory or time threshold: what is
 * checked is what stays reachable.
 */
describe('a run keeps nothing per canvas alive once the canvas is done', () => {
  const pageSize = 50;
  let h: ReaperHarness;
  beforeEach(async () => {
    h = await createReaperHarness({ maxRetries: 0, pageSize, requestTimeoutMs: 60_000 });
  });
  afterEach(async () => {
    await h.close();
  });

  it('rows, outcomes and asset records are all collected after the run; the summary holds only capped lists', async () => {
    const unlockable = 150;
    const failing = MAX_LISTED_PER_KIND + 20;
    await h.seed(Array.from({ length: unlockable }, (_, i) => ({ assetId: `asset_mem_ok${i}`, lockExpiresAt: minutesAgo(600) })));
    const failingRows = Array.from({ length: failing }, (_, i) => ({ assetId: `asset_mem_fail${i}`, lockExpiresAt: minutesAgo(600) }));
    await h.seed(failingRows);
    for (const row of failingRows) h.api.script(row.assetId, [{ status: 500, body: { message: 'down' } }], 'get');
    // One canvas's GET is held until every other canvas is done: what is still alive then, mid-run, is what the run
    // keeps per canvas done (the run's own state, its summary builder and limiter included, is all still reachable).
    await h.seed([{ assetId: 'asset_mem_held', lockExpiresAt: minutesAgo(600) }]);
    const total = unlockable + failing + 1;
    let othersDone: () => void = () => undefined;
    const allOthersDone = new Promise<void>((resolve) => {
      othersDone = resolve;
    });
    let aliveMidRun: Record<string, number> | undefined;
    h.api.script(
      'asset_mem_held',
      [
        {
          action: async () => {
            await allOthersDone;
            await collectGarbage();
            aliveMidRun = { rows: alive(rows), outcomes: alive(outcomes), assets: alive(assets) };
          },
        },
      ],
      'get',
    );

    const rows: WeakRef<TrackedCanvas>[] = [];
    const outcomes: WeakRef<CanvasOutcome>[] = [];
    const assets: WeakRef<object>[] = [];
    const alive = (refs: WeakRef<object>[]) => refs.filter((ref) => ref.deref() !== undefined).length;
    // The real store; every row it hands out is watched.
    const watchedStore: CanvasStore = Object.assign(Object.create(h.store) as CanvasStore, {
      pages: async function* () {
        for await (const page of h.store.pages()) {
          for (const canvas of page) rows.push(new WeakRef(canvas));
          yield page;
        }
      },
    });
    const logger = asReapLogger(createLogger({ serviceName: 'reaper-memory-test', logLevel: 'INFO' }));

    const summary: RunSummary = (
      await captureOutput(() =>
        reap(
          {
            clock: h.clock,
            store: watchedStore,
            lockApis: oneKey(h.lockApi),
            logger,
            onOutcome: (outcome) => {
              outcomes.push(new WeakRef(outcome));
              if (outcome.status === 'unlocked') assets.push(new WeakRef(outcome.asset));
              if (outcomes.length === total - 1) othersDone();
            },
          },
          {
            runId: 'run-memory',
            dryRun: false,
            graceSeconds: 60,
            maxInFlight: 8,
            deadlineMs: Date.now() + 120_000,
            safetyMarginMs: 1_000,
          },
        ),
      )
    ).result;

    // The run did the work the test is about, so the references below cover real canvases.
    expect(summary).toMatchObject({ stale: total, unlocked: unlockable + 1, failed: failing, stopReason: null });
    expect(rows).toHaveLength(total);
    expect(outcomes).toHaveLength(total);
    expect(assets).toHaveLength(unlockable + 1);

    // Mid-run, with every canvas but the held one done: no outcome or asset record is alive, and of the rows only the
    // held canvas's and at most the last Scan page read (the suspended scan loop's last value, until reap returns):
    // bounded by the page size, not by the canvases done.
    expect(aliveMidRun).toMatchObject({ outcomes: 0, assets: 0 });
    expect(aliveMidRun?.rows).toBeGreaterThanOrEqual(1);
    expect(aliveMidRun?.rows).toBeLessThanOrEqual(1 + pageSize);
    // After the run, with only its summary held: nothing.
    await collectGarbage();
    expect({ rows: alive(rows), outcomes: alive(outcomes), assets: alive(assets) }).toEqual({ rows: 0, outcomes: 0, assets: 0 });
    // What the summary keeps is capped, and holds its own entries (not the outcomes).
    expect(summary.failures).toHaveLength(MAX_LISTED_PER_KIND);
    expect(summary.omitted.failures).toBe(20);
    for (const list of [summary.wouldUnlock, summary.invalidRows, summary.warnings])
      expect(list.length).toBeLessThanOrEqual(MAX_LISTED_PER_KIND);
    expect(Object.keys(summary.projects).length).toBeLessThanOrEqual(1);
  });
});
