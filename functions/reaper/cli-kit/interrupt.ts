const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `run` with an AbortSignal that Ctrl-C (SIGINT) or SIGTERM aborts: a reap then starts no canvas, lets those
 * under way finish or give their claims back, and reports the summary so far (stopReason "interrupted", exit 1). A
 * second signal quits at once with the signal's default behaviour; any claim left then expires on its own (claims
 * last at most 15 minutes). The handlers are removed when `run` ends.
 */
export async function whileInterruptible<T>(stderr: (text: string) => void, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const remove = () => {
    for (const name of SIGNALS) process.off(name, onSignal);
  };
  function onSignal(name: NodeJS.Signals): void {
    if (controller.signal.aborted) {
      remove();
      process.kill(process.pid, name);
      return;
    }
    stderr(
      `\n${name}: stopping; no canvas starts from now on, those under way finish or give their claims back (${name} again quits at once)\n`,
    );
    controller.abort();
  }
  for (const name of SIGNALS) process.on(name, onSignal);
  try {
    return await run(controller.signal);
  } finally {
    remove();
  }
}
