import { terminalSafe } from '#reaper/adapters/terminal-text';

type Env = Readonly<Record<string, string | undefined>>;

/** One of our package.json scripts, the bin it aliases, and the flags its commands take. */
export interface NpmScript {
  /** The script's name in package.json (what npm puts in npm_lifecycle_event): "reap", "ops". */
  script: string;
  /** The package.json bin that runs the same command without npm's option parsing: "canvas-reaper". */
  bin: string;
  /** Every flag the command (or its subcommands) takes, without the leading "--". */
  flags: readonly string[];
}

/** Flags npm itself answers before any script runs: they never reach a script's environment as a mistake. */
const NPM_OWN = new Set(['help', 'version']);

/**
 * Refuses a command started by `npm run <script> --flag` (the flag written before `--`): npm takes every such flag
 * as its own option, sets npm_config_<flag> in the script's environment and passes the script nothing, so
 * `npm run reap --dry-run` would run for real and `--asset-id=X` would reap the whole table. Returns the message that
 * names each flag npm took and the two spellings that work, or undefined when nothing was taken. `npx` runs with
 * npm_lifecycle_event=npx (and sets npm_config_yes), so the bins themselves are never refused.
 */
export function flagsNpmTookMessage(env: Env, argv: readonly string[], command: NpmScript): string | undefined {
  if (env.npm_lifecycle_event !== command.script) return undefined;
  const taken = command.flags
    .filter((flag) => !NPM_OWN.has(flag))
    .flatMap((flag) => {
      const value = env[`npm_config_${flag.replaceAll('-', '_')}`];
      if (value === undefined || value === '') return [];
      return [value === 'true' ? `--${flag}` : `--${flag}=${value}`];
    });
  if (taken.length === 0) return undefined;
  const args = [...argv, ...taken].map(terminalSafe).join(' ');
  const what = taken.length === 1 ? `${taken[0]} as its own option` : `${taken.join(', ')} as its own options`;
  return `npm took ${terminalSafe(what)}; write \`npm run ${command.script} -- ${args}\`, or \`npx ${command.bin} ${args}\` (nothing was done)`;
}
