import { vi } from 'vitest';

let active: { chunks: string[]; depth: number } | undefined;

/**
 * Captures everything written to stdout and stderr (where Powertools Logger writes) while `run` is going on.
 * Overlapping captures (two runs at once) share one buffer, so neither restores the other's spy early.
 */
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string; lines: Record<string, any>[] }> {
  const outer = active === undefined;
  active ??= { chunks: [], depth: 0 };
  const capture = active;
  capture.depth += 1;
  const spies = outer ? installSpies(capture.chunks) : [];
  const start = capture.chunks.length;
  try {
    const result = await run();
    const output = capture.chunks.slice(start).join('');
    return { result, output, lines: parseJsonLines(output) };
  } finally {
    capture.depth -= 1;
    if (capture.depth === 0) {
      active = undefined;
      for (const spy of spies) spy.mockRestore();
    }
  }
}

function installSpies(chunks: string[]) {
  const keep = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  return [
    vi.spyOn(process.stdout, 'write').mockImplementation(keep as typeof process.stdout.write),
    vi.spyOn(process.stderr, 'write').mockImplementation(keep as typeof process.stderr.write),
  ];
}

export function parseJsonLines(output: string): Record<string, any>[] {
  return output
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}
