import { deadLettersCommand } from './commands/dead-letters';
import { eventsCommand } from './commands/events';
import { explainCommand } from './commands/explain';
import { invokeCommand } from './commands/invoke';
import { lastRunCommand } from './commands/last-run';
import { reapCommand } from './commands/reap';
import { runsCommand } from './commands/runs';
import { statusCommand } from './commands/status';
import { trackCommand, untrackCommand } from './commands/track';
import { unlockCommand } from './commands/unlock';
import type { OpsCommand, OpsIo } from './io';
import { EXIT } from './kit/exit-codes';
import { flagsNpmTookMessage, type NpmScript } from './kit/npm-run-guard';
import { redactingWriter, runProcess } from './kit/process-output';
import { usageLine } from './kit/report-error';
import { terminalSafe } from './kit/terminal-text';
import { versionLine } from './kit/version';
import { runCommand } from './runner';
import { pauseCommand, resumeCommand } from './schedule-switch';

export const OPS_USAGE = `Usage: npm run ops -- <command> [options]     (each command has --help)

Commands:
  status     the tracked canvases and their lock state (stale, in-grace, live, not-locked, invalid)
  track      write a tracked row:   track <assetId> --lock-expires-at <ISO> [--lock-id <id>]
  untrack    remove a tracked row:  untrack <assetId>
  unlock     a person's deliberate force-unlock of one canvas, now: unlock <assetId> [--lock-id <id>] [--yes]
  reap       one reap run from this machine (same as npm run reap; also takes --table-name, --outputs-file, --stack-name)
  invoke     invoke the deployed function: invoke [--dry-run] [--asset-id ID]...
  pause      disable the schedule now (until resume or the next deploy)
  resume     enable the schedule now
  last-run   the last finished run's summary, from the function's log group [--json]
  runs       every run of a window, one line each: runs [--since 24h] [--with-warnings] [--failed] [--json]
  dead-letters  the failed-invocations and undelivered-ticks queues, decoded [--purge --yes]
  events     the lock events the reaper published (docs/events.md): events [--since 1h] [--asset ID] [--json]
  explain    why one canvas was or was not freed, and what a run would do now (read-only): explain <assetId> [--no-api] [--json]

The table comes from --table-name, else TABLE_NAME, else the TableName output in cdk-outputs.json (--outputs-file,
--stack-name); the function, schedule, log group and queues the same way (each command's --help names its flag and
variable). Each command says its target (what, region, endpoint or account) on stderr before it acts. The rest of
the configuration comes from the reaper's environment (SCENARIO_SECRET_ID or SCENARIO_SDK_API_KEY/SECRET,
AWS_REGION/AWS_PROFILE, …).
Also: npx canvas-reaper-ops <command> [options] (the package's bin); --version prints the package's name and version.
Exit codes: 0 ok (a read command: it ran, findings or not); 1 a canvas failed, a row is invalid, or an AWS call
failed (read commands: an AWS call failed, or --check and findings); 2 usage or configuration error.`;

/** Every ops command by its name (the guides' test checks that each `npm run ops -- NAME` they show is one). */
export const COMMANDS: Record<string, OpsCommand> = {
  status: statusCommand,
  track: trackCommand,
  untrack: untrackCommand,
  unlock: unlockCommand,
  reap: reapCommand,
  invoke: invokeCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  'last-run': lastRunCommand,
  runs: runsCommand,
  'dead-letters': deadLettersCommand,
  events: eventsCommand,
  explain: explainCommand,
};

/** `npm run ops`, the alias of the `canvas-reaper-ops` bin; its flags are every flag its commands' help names. */
export const OPS_NPM_SCRIPT: NpmScript = {
  script: 'ops',
  bin: 'canvas-reaper-ops',
  flags: [...new Set([OPS_USAGE, ...Object.values(COMMANDS).map((c) => c.usage)].join('\n').match(/(?<=--)[a-z][a-z0-9-]*/g))],
};

/** Runs one ops command (through the one runner, runner.ts) and returns its exit code. */
export async function runOps(argv: readonly string[], opsIo: OpsIo): Promise<number> {
  const io: OpsIo = { ...opsIo, stdout: redactingWriter(opsIo.stdout), stderr: redactingWriter(opsIo.stderr) };
  const npmTook = flagsNpmTookMessage(io.env, argv, OPS_NPM_SCRIPT);
  if (npmTook !== undefined) {
    io.stderr(`ops: ${npmTook}\n`);
    return EXIT.usageOrConfig;
  }
  const [name, ...rest] = argv;
  if (name === '--version') {
    io.stdout(`${versionLine()}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${OPS_USAGE}\n`);
    return name === undefined ? EXIT.usageOrConfig : EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`ops: unknown command "${terminalSafe(name)}"\n${usageLine(OPS_USAGE)}\nSee: npm run ops -- --help\n`);
    return EXIT.usageOrConfig;
  }
  return runCommand(command, rest, opsIo, { name: `ops ${name}`, usage: command.usage, helpCommand: `npm run ops -- ${name} --help` });
}

/** The `canvas-reaper-ops` bin (bin/canvas-reaper-ops.js, and `npm run ops`). */
export const runOpsProcess = (): void => runProcess(runOps, { name: 'ops', usage: OPS_USAGE, helpCommand: 'npm run ops -- --help' });

if (require.main === module) runOpsProcess();
