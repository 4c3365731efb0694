import { DEFAULT_REAPER_MEMORY_MB } from '#infra/constructs/reaper-function';
import { REAPER_EXEC_WRAPPER_SCRIPT } from '#infra/paths';

/** Lambda gives a function CPU in proportion to its memory: 1,769 MB buys one vCPU. */
export const MB_PER_VCPU = 1769;

/** The deployed function's share of a vCPU (DEFAULT_REAPER_MEMORY_MB ÷ 1,769 MB). */
export function vcpuShare(memoryMb: number = DEFAULT_REAPER_MEMORY_MB): number {
  return memoryMb / MB_PER_VCPU;
}

/**
 * The V8 heap flags Lambda's Node.js runtime puts on its own command line for a function of `memoryMb`, as its
 * bootstrap does (read in published copies of the runtime's bootstrap; not checked on a nodejs22.x sandbox from here):
 * the new space a tenth of the memory, each semi-space half of that, the old space the rest.
 *
 * They are command-line flags, and Node lets the command line win over NODE_OPTIONS (tried: NODE_OPTIONS=
 * --max-old-space-size=100 with --max-old-space-size=500 on the command line gives the 500 MB limit), so a
 * NODE_OPTIONS in the function's environment could not change them. The function's AWS_LAMBDA_EXEC_WRAPPER script
 * (functions/reaper/exec-wrapper.sh) can, and does for the semi-space: see lambdaCommandLine.
 */
export function lambdaHeapFlags(memoryMb: number = DEFAULT_REAPER_MEMORY_MB): string[] {
  const newSpaceMb = Math.round(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`, `--max-old-space-size=${memoryMb - newSpaceMb}`];
}

/**
 * How Lambda would start a node process running `script`: the runtime's command line (node, its heap flags, the
 * script) handed to the function's exec wrapper, which execs it with its own semi-space size. The bench's reaper
 * process is started this way, so its garbage collector sizes the heap as the deployed function's does.
 * `viaExecWrapper: false` starts node with the runtime's flags alone, `execWrapper` another copy of the script (the A/Bs of
 * bench/cpu-ab.ts).
 */
export function lambdaCommandLine(
  nodeArgs: readonly string[],
  scriptAndArgs: readonly string[],
  options: { viaExecWrapper?: boolean; execWrapper?: string; memoryMb?: number } = {},
): { command: string; args: string[] } {
  const runtimeArgs = [...nodeArgs, ...lambdaHeapFlags(options.memoryMb), ...scriptAndArgs];
  if (options.viaExecWrapper === false) return { command: process.execPath, args: runtimeArgs };
  return { command: options.execWrapper ?? REAPER_EXEC_WRAPPER_SCRIPT, args: [process.execPath, ...runtimeArgs] };
}
