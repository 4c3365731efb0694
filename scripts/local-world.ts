/**
 * `npm run local`: a local world to practise the ops CLI in. Starts, on loopback, everything `npm run ops` and
 * `npm run reap` talk to (see local/local-world.ts), prints the variables a second shell needs, and keeps running
 * until Ctrl-C. `--print-env`, in that second shell, prints them again from the running world's state file.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_WORLD_ENV_NAMES, LOCAL_WORLD_NAMES, type LocalWorld, startLocalWorld } from '#local/local-world';
import { SEEDED_CANVASES, UNTRACKED_CANVAS_IDS } from '#local/local-world-seed';
import {
  exportLines,
  readRunningWorld,
  removeWorldState,
  type WorldState,
  WorldStateError,
  worldStateDirectory,
  worldStatePath,
  writeWorldState,
} from '#local/world-state-file';
import { terminalSafe } from '#reaper/adapters/terminal-text';
import { errorMessage } from '#reaper/core/error-message';

/** This checkout: one world per checkout, so a second clone's --print-env never finds this one's world. */
const CHECKOUT = path.resolve(__dirname, '..');

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const LOCAL_USAGE = `Usage: npm run local [-- --empty]
       eval "$(npm run -s local -- --print-env)"      (in another shell, while the world runs)

Starts a local world on loopback and keeps it running until Ctrl-C (which stops every server and leaves nothing
behind): a local DynamoDB with the tracked-canvases table, the Scenario API stand-in, a Secrets Manager holding its
key pair, the real reaper handler behind a Lambda Invoke stand-in (its log lines kept for CloudWatch Logs), the
schedule (Scheduler stand-in) and the two dead-letter queues (SQS stand-in). It prints the export lines that point
the AWS SDK, \`npm run ops\` and \`npm run reap\` at it. Nothing here reaches AWS.

Options:
  --empty       no seeded canvases and no sample dead letters (the table and queues exist, empty)
  --print-env   print only the export lines of the world that is running (exit 2 when none is)
  --help        this text

The running world of this checkout is found through a state file in ${worldStateDirectory()} (a folder of
yours alone, mode 0700; anything else there is refused), removed at shutdown. Each checkout has its own world.`;

function readFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: { empty: { type: 'boolean' }, 'print-env': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }).values;
}

async function main(argv: readonly string[]): Promise<number> {
  let values: ReturnType<typeof readFlags>;
  try {
    values = readFlags(argv);
  } catch (error) {
    process.stderr.write(`local: ${errorMessage(error)}\n\n${LOCAL_USAGE}\n`);
    return EXIT.usage;
  }
  if (values.help) {
    process.stdout.write(`${LOCAL_USAGE}\n`);
    return EXIT.ok;
  }
  const stateFile = worldStatePath({ checkout: CHECKOUT });
  let running: WorldState | undefined;
  try {
    running = readRunningWorld(stateFile, { checkout: CHECKOUT });
  } catch (error) {
    if (!(error instanceof WorldStateError)) throw error;
    process.stderr.write(`local: ${terminalSafe(error.message)}\n`);
    return EXIT.usage;
  }
  if (values['print-env']) {
    if (!running) {
      process.stderr.write(`local: no local world is running for this checkout (${CHECKOUT}); start one with: npm run local\n`);
      return EXIT.usage;
    }
    const { text, ignored } = exportLines(running.env, LOCAL_WORLD_ENV_NAMES);
    if (ignored.length > 0) {
      const names = ignored.slice(0, 5).map((name) => JSON.stringify(terminalSafe(name.slice(0, 40))));
      process.stderr.write(`local: left out ${ignored.length} variable(s) the local world does not set: ${names.join(', ')}\n`);
    }
    process.stdout.write(`${text}\n`);
    return EXIT.ok;
  }
  if (running) {
    process.stderr.write(
      `local: a local world is already running (pid ${running.pid}); use it (eval "$(npm run -s local -- --print-env)") or stop it first\n`,
    );
    return EXIT.usage;
  }

  // Node 20 is still what this machine runs; the SDK's notice about it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const world = await startLocalWorld({ seed: !values.empty });
  try {
    writeWorldState(stateFile, { pid: process.pid, startedAt: new Date().toISOString(), checkout: CHECKOUT, env: world.env });
  } catch (error) {
    await world.close();
    if (!(error instanceof WorldStateError)) throw error;
    process.stderr.write(`local: ${terminalSafe(error.message)}\n`);
    return EXIT.usage;
  }
  // A crash must not leave a state file that points at closed ports (a clean stop removes it itself).
  process.once('exit', () => removeWorldState(stateFile, { checkout: CHECKOUT }));
  stopOnSignals(world, stateFile);
  process.stdout.write(banner(world));
  return EXIT.ok;
}

function stopOnSignals(world: LocalWorld, stateFile: string): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`local: ${signal} again; exiting without waiting\n`);
      process.exit(EXIT.failed);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local world…\n`);
    // The state file goes first: a --print-env from now on must not hand out ports that are closing.
    removeWorldState(stateFile, { checkout: CHECKOUT });
    world.close().then(
      () => {
        process.stdout.write('Stopped: every server closed, state file removed.\n');
        process.exit(EXIT.ok);
      },
      (error: unknown) => {
        process.stderr.write(`local: stopping failed: ${errorMessage(error)}\n`);
        process.exit(EXIT.failed);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function banner(world: LocalWorld): string {
  const n = LOCAL_WORLD_NAMES;
  const e = world.endpoints;
  const kinds = new Map<string, number>();
  for (const c of SEEDED_CANVASES) kinds.set(c.what.split(':')[0]!, (kinds.get(c.what.split(':')[0]!) ?? 0) + 1);
  const canvases = world.seeded
    ? `${SEEDED_CANVASES.length} canvases (${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(', ')})`
    : 'no canvas (--empty)';
  const rows: [string, string, string][] = [
    ['DynamoDB', e.dynamodb!, `table ${n.tableName}: ${canvases}`],
    [
      'Scenario API',
      e.scenarioApi!,
      world.seeded
        ? `knows the tracked canvases, and ${UNTRACKED_CANVAS_IDS.join(', ')} (untracked: try ops track); other ids get 404`
        : 'knows no canvas (--empty): unlocks get 404',
    ],
    ['Secrets Manager', e.secretsManager!, `secret ${n.secretId}: the Scenario stand-in's key pair`],
    ['Lambda', e.lambda!, `function ${n.functionName}: the real handler; its log lines show below`],
    [
      'Scheduler',
      e.scheduler!,
      `schedule ${n.scheduleName} (group ${n.scheduleGroup}), ENABLED; it does not tick here: ops invoke runs the function`,
    ],
    ['CloudWatch Logs', e.cloudwatchLogs!, `log group ${n.logGroupName}: the handler's log lines`],
    ['SQS', e.sqs!, `the failed-invocations and undelivered-ticks queues${world.seeded ? ', one sample dead letter in each' : ''}`],
  ];
  const width = (i: 0 | 1) => Math.max(...rows.map((r) => r[i].length));
  return [
    `Local world up (pid ${process.pid}). Ctrl-C stops it and leaves nothing behind.`,
    '',
    ...rows.map(([what, where, note]) => `  ${what.padEnd(width(0))}  ${where.padEnd(width(1))}  ${note}`),
    '',
    'In another shell:',
    '  eval "$(npm run -s local -- --print-env)"',
    '  npm run ops -- status',
    '  npm run ops -- invoke --dry-run && npm run ops -- invoke && npm run ops -- last-run',
    '  npm run ops -- pause; npm run ops -- resume; npm run ops -- dead-letters',
    '',
    'or paste these lines:',
    exportLines(world.env, LOCAL_WORLD_ENV_NAMES).text,
    '',
    '',
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== EXIT.ok) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `local: starting the local world failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT.failed);
  },
);
