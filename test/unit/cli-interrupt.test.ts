import { describe, expect, it } from 'vitest';
import { SAME_INTERRUPT_WINDOW_MS, type SignalSource, whileInterruptible } from '#ops/kit/interrupt';

/** A signal source whose clock and signals the test drives; `quits` records what would have killed the process. */
function stagedSignals() {
  const listeners = new Map<NodeJS.Signals, Set<(name: NodeJS.Signals) => void>>();
  let now = 0;
  const quits: NodeJS.Signals[] = [];
  const source: SignalSource = {
    on: (name, listener) => listeners.set(name, (listeners.get(name) ?? new Set()).add(listener)),
    off: (name, listener) => listeners.get(name)?.delete(listener),
    now: () => now,
    quit: (name) => quits.push(name),
  };
  return {
    source,
    quits,
    send(name: NodeJS.Signals, atMs: number) {
      now = atMs;
      for (const listener of [...(listeners.get(name) ?? [])]) listener(name);
    },
    listening: () => [...listeners.values()].some((set) => set.size > 0),
  };
}

describe('whileInterruptible: one Ctrl-C, however many copies of it arrive', () => {
  it('copies within the window are the same Ctrl-C: one notice, the run stops, nothing quits', async () => {
    const signals = stagedSignals();
    let notices = '';
    let finish = () => {};
    const result = whileInterruptible(
      (text) => (notices += text),
      (abort) =>
        new Promise<string>((resolve) => {
          finish = () => resolve(abort.aborted ? 'interrupted' : 'ran');
        }),
      signals.source,
    );
    signals.send('SIGINT', 10_000);
    // npm's relay and tsx's relay of the same keypress.
    signals.send('SIGINT', 10_000 + 5);
    signals.send('SIGINT', 10_000 + SAME_INTERRUPT_WINDOW_MS - 1);
    finish();
    expect(await result).toBe('interrupted');
    expect(notices.match(/SIGINT: stopping/g)).toHaveLength(1);
    expect(signals.quits).toEqual([]);
    expect(signals.listening()).toBe(false);
  });

  it('a second Ctrl-C after the window quits at once with the signal', async () => {
    const signals = stagedSignals();
    let finish = () => {};
    const result = whileInterruptible(
      () => {},
      () => new Promise<void>((resolve) => (finish = resolve)),
      signals.source,
    );
    signals.send('SIGINT', 0);
    signals.send('SIGINT', SAME_INTERRUPT_WINDOW_MS);
    expect(signals.quits).toEqual(['SIGINT']);
    expect(signals.listening()).toBe(false);
    finish();
    await result;
  });
});
