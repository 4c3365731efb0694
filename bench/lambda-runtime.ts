import { DEFAULT_REAPER_MEMORY_MB } from '#infra/constructs/reaper-function';

/** Lambda gives a function CPU in proportion to its memory: 1,769 MB buys one vCPU. */
export const MB_PER_VCPU = 1769;

/** The deployed function's share of a vCPU (DEFAULT_REAPER_MEMORY_MB ÷ 1,769 MB). */
export function vcpuShare(memoryMb: number = DEFAULT_REAPER_MEMORY_MB): number {
  return memoryMb / MB_PER_VCPU;
}

/**
 * The V8 heap flags Lambda's Node.js runtime puts on its own command line for a function of `memoryMb`, as its
 * bootstrap does (read in published copies of the runtime's bootstrap; not checked on a nodejs22.x sandbox from here):
 * the new space a tenth of the memory, each semi-space half of that, the old space the rest. The bench's reaper
 * process runs with the same flags, so its garbage collector sizes its heap as the deployed function's does.
 *
 * They are command-line flags, and Node lets the command line win over NODE_OPTIONS (tried: NODE_OPTIONS=
 * --max-old-space-size=100 with --max-old-space-size=500 on the command line gives the 500 MB limit), so a
 * NODE_OPTIONS in the function's environment could not change them: the stack sets none.
 */
export function lambdaHeapFlags(memoryMb: number = DEFAULT_REAPER_MEMORY_MB): string[] {
  const newSpaceMb = Math.round(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`, `--max-old-space-size=${memoryMb - newSpaceMb}`];
}
