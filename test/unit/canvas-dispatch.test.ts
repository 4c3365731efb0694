import { describe, expect, it } from 'vitest';
import { CanvasDispatch } from '#reaper/core/canvas-dispatch';
import { ABSENT, type TrackedCanvas } from '#reaper/core/tracked-canvas';

const canvas = (i: number): TrackedCanvas => ({ assetId: `asset_${i}`, lockExpiresAt: ABSENT, lockId: ABSENT });
const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('CanvasDispatch', () => {
  it('with nothing to be fair to (no queue), the scan waits for room: never more canvases held than under way', async () => {
    let live = 0;
    let peak = 0;
    const dispatch = new CanvasDispatch(
      async () => {
        live += 1;
        peak = Math.max(peak, live);
        await tick();
        live -= 1;
      },
      { underWayPerProject: 4, maxQueuedPerProject: 0 },
    );
    let submittedWhileFull = 0;
    for (let i = 0; i < 40; i += 1) {
      await dispatch.submit(canvas(i), 'default');
      if (live === 4) submittedWhileFull += 1;
    }
    await dispatch.drain();
    expect(peak).toBe(4);
    expect(submittedWhileFull).toBeGreaterThan(0);
  });

  it("queues a busy project's canvases, up to its cap, so another project's canvases start at once", async () => {
    const started: string[] = [];
    let releaseSlow: () => void = () => undefined;
    const slowGate = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const dispatch = new CanvasDispatch(
      async (c) => {
        started.push(c.assetId);
        if (c.assetId.startsWith('asset_slow')) await slowGate;
      },
      { underWayPerProject: 1, maxQueuedPerProject: 3 },
    );
    for (let i = 0; i < 4; i += 1) await dispatch.submit({ ...canvas(i), assetId: `asset_slow${i}` }, 'slow');
    await dispatch.submit({ ...canvas(9), assetId: 'asset_fast' }, 'fast');
    expect(started).toEqual(['asset_slow0', 'asset_fast']);
    releaseSlow();
    await dispatch.drain();
    expect(started).toHaveLength(5);
  });
});
