const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Copies of a signal that arrive this soon after the first are the same Ctrl-C: a terminal signals the whole process
 * group, and `npm run` (or any wrapper) relays the signal to its child as well, so one keypress can arrive twice.
 */
export const SAME_INTERRUPT_WINDOW_MS = 1_000;

/** Where the signals come from and how the process quits at once: the real process, or a test's stand-in. */
export interface SignalSource {
  on(name: NodeJS.Signals, listener: (name: NodeJS.Signals) => void): unknown;
  off(name: NodeJS.Signals, listener: (name: NodeJS.Signals) => void): unknown;
  /** A monotonic clock in ms. */
  now(): number;
  /** Quits at once, as the signal's default behaviour would. */
  quit(name: NodeJS.Signals): void;
}

/** The running process: its signals, its monotonic clock, and death by the signal's own default action. */
export const processSignals: SignalSource = {
  on: (name, listener) => process.on(name, listener),
  off: (name, listener) => process.off(name, listener),
  now: () => performance.now(),
  quit: (name) => process.kill(process.pid, name),
};

/**
 * Runs `run` with an AbortSignal that Ctrl-C (SIGINT) or SIGTERM aborts: a reap then starts no canvas, lets those
 * under way finish or give their claims back, and reports the summary so far (stopReason "interrupted", exit 1).
 * Signals within SAME_INTERRUPT_WINDOW_MS of the first are copies of it (a terminal signals the whole group and npm
 * relays it). A signal after that is a second Ctrl-C: it quits at once with the signal's default behaviour; any
 * claim left then expires on its own (claims last at most 15 minutes). The handlers are removed when `run` ends.
 */
export async function whileInterruptible<T>(
  stderr: (text: string) => void,
  run: (signal: AbortSignal) => Promise<T>,
  signals: SignalSource = processSignals,
): Promise<T> {
  const controller = new AbortController();
  let firstAt: number | undefined;
  const remove = () => {
    for (const name of SIGNALS) signals.off(name, onSignal);
  };
  function onSignal(name: NodeJS.Signals): void {
    const now = signals.now();
    if (firstAt !== undefined) {
      if (now - firstAt < SAME_INTERRUPT_WINDOW_MS) return;
      remove();
      signals.quit(name);
      return;
    }
    firstAt = now;
    stderr(
      `\n${name}: stopping; no canvas starts from now on, those under way finish or give their claims back (${name} again quits at once)\n`,
    );
    controller.abort();
  }
  for (const name of SIGNALS) signals.on(name, onSignal);
  try {
    return await run(controller.signal);
  } finally {
    remove();
  }
}
