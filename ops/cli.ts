import { createInterface } from 'node:readline/promises';
import { redactingWriter } from '#reaper/adapters/redact';
import { terminalSafe } from '#reaper/adapters/terminal-text';
import { DEAD_LETTERS_USAGE, deadLettersCommand } from './commands/dead-letters';
import { EVENTS_USAGE, eventsCommand } from './commands/events';
import { INVOKE_USAGE, invokeCommand } from './commands/invoke';
import { LAST_RUN_USAGE, lastRunCommand } from './commands/last-run';
import { PAUSE_USAGE, pauseCommand } from './commands/pause';
import { REAP_USAGE, reapCommand } from './commands/reap';
import { RESUME_USAGE, resumeCommand } from './commands/resume';
import { RUNS_USAGE, runsCommand } from './commands/runs';
import { STATUS_USAGE, statusCommand } from './commands/status';
import { TRACK_USAGE, trackCommand, UNTRACK_USAGE, untrackCommand } from './commands/track';
import { UNLOCK_USAGE, unlockCommand } from './commands/unlock';
import type { OpsCommand, OpsIo } from './io';
import { EXIT } from './kit/exit-codes';
import { flagsNpmTookMessage, type NpmScript } from './kit/npm-run-guard';
import { pipeSafeWriter } from './kit/process-output';
import { exitForError, usageLine } from './kit/report-error';
import { versionLine } from './kit/version';
import { MissingTargetError, TargetFailedError } from './target';

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

The table comes from --table-name, else TABLE_NAME, else the TableName output in cdk-outputs.json (--outputs-file,
--stack-name); the function, schedule, log group and queues the same way (each command's --help names its flag and
variable). Each command says its target (what, region, endpoint or account) on stderr before it acts. The rest of
the configuration comes from the reaper's environment (SCENARIO_SECRET_ID or SCENARIO_SDK_API_KEY/SECRET,
AWS_REGION/AWS_PROFILE, …).
Also: npx canvas-reaper-ops <command> [options] (the package's bin); --version prints the package's name and version.
Exit codes: 0 ok (a read command: it ran, findings or not); 1 a canvas failed, a row is invalid, or an AWS call
failed (read commands: an AWS call failed, or --check and findings); 2 usage or configuration error.`;

const COMMANDS: Record<string, { run: OpsCommand; usage: string }> = {
  status: { run: statusCommand, usage: STATUS_USAGE },
  track: { run: trackCommand, usage: TRACK_USAGE },
  untrack: { run: untrackCommand, usage: UNTRACK_USAGE },
  unlock: { run: unlockCommand, usage: UNLOCK_USAGE },
  reap: { run: reapCommand, usage: 'npm run ops -- reap --help' },
  invoke: { run: invokeCommand, usage: INVOKE_USAGE },
  pause: { run: pauseCommand, usage: PAUSE_USAGE },
  resume: { run: resumeCommand, usage: RESUME_USAGE },
  'last-run': { run: lastRunCommand, usage: LAST_RUN_USAGE },
  runs: { run: runsCommand, usage: RUNS_USAGE },
  'dead-letters': { run: deadLettersCommand, usage: DEAD_LETTERS_USAGE },
  events: { run: eventsCommand, usage: EVENTS_USAGE },
};

/** `npm run ops`, the alias of the `canvas-reaper-ops` bin; its flags are every flag its commands' help names. */
export const OPS_NPM_SCRIPT: NpmScript = {
  script: 'ops',
  bin: 'canvas-reaper-ops',
  flags: [...new Set([OPS_USAGE, REAP_USAGE, ...Object.values(COMMANDS).map((c) => c.usage)].join('\n').match(/(?<=--)[a-z][a-z0-9-]*/g))],
};

/** Runs one ops command and returns its exit code. Every line it prints goes through the one redaction pass. */
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
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`ops: unknown command "${terminalSafe(name)}"\n${usageLine(OPS_USAGE)}\nSee: npm run ops -- --help\n`);
    return EXIT.usageOrConfig;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof MissingTargetError || error instanceof TargetFailedError) {
      io.stderr(`ops ${name}: ${terminalSafe(error.message)}\n`);
      return error instanceof MissingTargetError ? EXIT.usageOrConfig : EXIT.failed;
    }
    return exitForError(error, { name: `ops ${name}`, usage: command.usage, helpCommand: `npm run ops -- ${name} --help` }, io.stderr);
  }
}

async function confirmOnTerminal(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question}\nType "yes" to go on: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}

/** The `canvas-reaper-ops` bin (bin/canvas-reaper-ops.js, and `npm run ops`). */
export function runOpsProcess(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stderr = pipeSafeWriter(process.stderr);
  runOps(process.argv.slice(2), {
    env: process.env,
    stdout: pipeSafeWriter(process.stdout),
    stderr,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    confirm: confirmOnTerminal,
    cwd: process.cwd(),
    stdoutIsTerminal: process.stdout.isTTY === true,
    ...(process.stdout.isTTY ? { terminalColumns: process.stdout.columns || 80 } : {}),
    stderrIsTerminal: process.stderr.isTTY === true,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = exitForError(error, { name: 'ops', usage: OPS_USAGE, helpCommand: 'npm run ops -- --help' }, stderr);
    },
  );
}

if (require.main === module) runOpsProcess();
