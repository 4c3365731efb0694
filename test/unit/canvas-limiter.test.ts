import { describe, expect, it } from 'vitest';
import { CanvasLimiter } from '#reaper/core/canvas-limiter';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * A canvas that holds its request slot until the test lets it go: `started` says it runs, `release()` gives the slot
 * back (a second call is ignored), `finish()` ends its life (its row update done).
 */
function heldCanvas(name: string, log: string[]) {
  let releaseSlot: () => void = () => undefined;
  let finish: () => void = () => undefined;
  const state = { started: false };
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const task = async (release: () => void) => {
    state.started = true;
    log.push(name);
    releaseSlot = release;
    await done;
    release();
  };
  return { task, state, release: () => releaseSlot(), finish: () => finish() };
}

describe('CanvasLimiter: the request slots', () => {
  it('lets at most `maxInFlight` canvases hold a slot, and the next in order as each gives its slot back', async () => {
    const limiter = new CanvasLimiter<string>({ maxInFlight: 2 });
    const log: string[] = [];
    const canvases = ['first', 'second', 'third', 'fourth'].map((name) => heldCanvas(name, log));
    for (const c of canvases) await limiter.submit('key', c.task);
    await tick();
    expect(log).toEqual(['first', 'second']);
    canvases[0]!.release();
    canvases[0]!.release(); // a second release of the same slot is ignored
    await tick();
    expect(log).toEqual(['first', 'second', 'third']);
    canvases[1]!.release();
    await tick();
    expect(log).toEqual(['first', 'second', 'third', 'fourth']);
    for (const c of canvases) c.finish();
    await limiter.drain();
  });

  it('a key that is the only key in use may hold every slot (a one-pair secret runs at full throughput)', async () => {
    const limiter = new CanvasLimiter<string>({ maxInFlight: 4 });
    const log: string[] = [];
    const canvases = [0, 1, 2, 3, 4].map((i) => heldCanvas(`only${i}`, log));
    for (const c of canvases) await limiter.submit('only', c.task);
    await tick();
    expect(log).toEqual(['only0', 'only1', 'only2', 'only3']);
    for (const c of canvases) c.finish();
    await limiter.drain();
    expect(log).toHaveLength(5);
  });

  it('with two keys in use, gives no key more than half, and lets the other in while one waits at its share', async () => {
    const limiter = new CanvasLimiter<string>({ maxInFlight: 4 });
    const log: string[] = [];
    const slow = [0, 1, 2].map((i) => heldCanvas(`slow${i}`, log));
    const fast = [0, 1].map((i) => heldCanvas(`fast${i}`, log));
    await limiter.submit('slow', slow[0]!.task);
    await limiter.submit('slow', slow[1]!.task);
    await limiter.submit('fast', fast[0]!.task);
    await limiter.submit('fast', fast[1]!.task);
    await limiter.submit('slow', slow[2]!.task);
    await tick();
    // The slow key is at its share: the fast one still got the other two slots at once.
    expect(log).toEqual(['slow0', 'slow1', 'fast0', 'fast1']);
    fast[0]!.release();
    await tick();
    // A fast slot freed does not let the slow key past its share.
    expect(slow[2]!.state.started).toBe(false);
    slow[0]!.release();
    await tick();
    expect(slow[2]!.state.started).toBe(true);
    for (const c of [...slow, ...fast]) c.finish();
    await limiter.drain();
  });

  it('takes turns between keys that wait for the global limit', async () => {
    const limiter = new CanvasLimiter<string>({ maxInFlight: 1 });
    const order: string[] = [];
    const first = heldCanvas('first', []);
    await limiter.submit('a', first.task);
    // Each canvas gives its slot back at once, so the order of starts shows the turns.
    for (const key of ['a', 'a', 'b', 'b']) await limiter.submit(key, async () => void order.push(key));
    first.finish();
    await limiter.drain();
    expect(order).toEqual(['a', 'b', 'a', 'b']);
  });
});

describe('CanvasLimiter: the queues', () => {
  it("queues a busy key's canvases, up to its cap, so another key's canvases start at once; only a full queue makes the scan wait", async () => {
    const limiter = new CanvasLimiter<string>({ maxInFlight: 2, maxQueuedPerKey: 3 });
    const log: string[] = [];
    const slow = [0, 1, 2, 3, 4].map((i) => heldCanvas(`slow${i}`, log));
    // slow0 and slow1 hold both slots; slow2..slow4 fill the slow key's queue, and each submit returned at once.
    for (const c of slow) await limiter.submit('slow', c.task);
    const fast = heldCanvas('fast', log);
    let fastSubmitted = false;
    void limiter.submit('fast', fast.task).then(() => {
      fastSubmitted = true;
    });
    await tick();
    expect(fastSubmitted).toBe(true);
    // One more slow canvas: its queue is full, so the scan waits for it.
    const extra = heldCanvas('slow5', log);
    let extraSubmitted = false;
    void limiter.submit('slow', extra.task).then(() => {
      extraSubmitted = true;
    });
    await tick();
    expect(extraSubmitted).toBe(false);
    slow[0]!.release();
    await tick();
    // The freed slot goes to the fast key (the slow one holds its share), and the slow queue is still full.
    expect(log).toEqual(['slow0', 'slow1', 'fast']);
    slow[1]!.release();
    await tick();
    expect(extraSubmitted).toBe(true);
    for (const c of [...slow, fast, extra]) {
      c.release();
      c.finish();
    }
    await limiter.drain();
    expect(log).toHaveLength(7);
  });

  it('keeps memory flat: never more canvases held than under way plus the queue caps', async () => {
    const limiter = new CanvasLimiter<string>({ maxInFlight: 3, maxQueuedPerKey: 5 });
    let underWay = 0;
    let peak = 0;
    let submittedButNotStarted = 0;
    let peakWaiting = 0;
    for (let i = 0; i < 200; i += 1) {
      submittedButNotStarted += 1;
      peakWaiting = Math.max(peakWaiting, submittedButNotStarted);
      await limiter.submit('key', async (release) => {
        submittedButNotStarted -= 1;
        underWay += 1;
        peak = Math.max(peak, underWay);
        await tick();
        release();
        underWay -= 1;
      });
    }
    await limiter.drain();
    expect(peak).toBe(3);
    expect(peakWaiting).toBeLessThanOrEqual(3 + 5 + 1);
  });

  it('a canvas still updating its row after giving its slot back does not hold a slot, within a bound', async () => {
    const limiter = new CanvasLimiter<string>({ maxInFlight: 1 });
    const log: string[] = [];
    const a = heldCanvas('a', log);
    const b = heldCanvas('b', log);
    const c = heldCanvas('c', log);
    for (const canvas of [a, b, c]) await limiter.submit('key', canvas.task);
    a.release(); // a's requests are done; its row update goes on
    await tick();
    expect(log).toEqual(['a', 'b']);
    b.release(); // two canvases updating rows for one slot: the next waits for one of them to finish
    await tick();
    expect(log).toEqual(['a', 'b']);
    a.finish();
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    b.finish();
    c.finish();
    await limiter.drain();
  });
});
