import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getRow } from '#local/tracked-canvas-table';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { REAPER_ATTRIBUTES } from '#reaper/table-contract';
import { isolatedProcessEnv } from '#test-support/child-env';
import { useStaleCanvasWorld } from '#test-support/stale-canvas-world';

/**
 * Ctrl-C in `npm run reap` (and `npm run ops -- reap`): a real process, a real signal. The Scenario stand-in holds
 * the first request until the process has taken the signal, so it lands while a canvas is at the API; the run must
 * start nothing more, let that canvas finish (or give its claim back), print the summary so far and exit 1.
 */

const ROOT = path.resolve(__dirname, '../..');
const CANVASES = ['asset_intA', 'asset_intB', 'asset_intC', 'asset_intD'];

const world = useStaleCanvasWorld('int', CANVASES);

function shellEnv(): Record<string, string> {
  return isolatedProcessEnv(world.home, {
    [ENV.tableName]: world.tableName,
    [ENV.apiBaseUrl]: world.api.baseUrl,
    [ENV.localApiKey]: world.api.apiKey,
    [ENV.localApiSecret]: world.api.apiSecret,
    // One canvas at a time, so the others are still waiting when the signal comes.
    [ENV.maxInFlight]: '1',
  });
}

/**
 * Starts the command and sends `signal` once its first API request has arrived; that request is answered only after
 * the command has said it is stopping. Waits for the command to end.
 */
async function interruptAfterFirstRequest(script: string, args: string[], signal: NodeJS.Signals) {
  return interruptCommand(process.execPath, ['--import', 'tsx', script, ...args], signal, 'process');
}

/**
 * Starts `command` (in its own process group with `target` "group", as a terminal runs a job) and sends `signal` once
 * the first API request has arrived: to the process, or to its whole group as a terminal's Ctrl-C does, so npm and
 * any wrapper see it too and relay it again.
 */
async function interruptCommand(command: string, args: string[], signal: NodeJS.Signals, target: 'process' | 'group') {
  let release = () => {};
  const signalTaken = new Promise<void>((resolve) => (release = resolve));
  for (const assetId of CANVASES) world.api.script(assetId, [{ action: () => signalTaken }], 'get');
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...shellEnv(), npm_config_update_notifier: 'false', npm_config_offline: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // setsid(): the child leads a new process group (and session), so -pid names exactly its group.
    detached: target === 'group',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes(`${signal}: stopping`)) release();
  });
  let killedBy: NodeJS.Signals | null = null;
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code, by) => {
      killedBy = by;
      resolve(code);
    }),
  );
  let exited = false;
  void closed.then(() => (exited = true));
  while (world.api.requests.length === 0 && !exited) await new Promise((resolve) => setTimeout(resolve, 10));
  const requestsAtSignal = world.api.requests.length;
  if (target === 'group') process.kill(-child.pid!, signal);
  else child.kill(signal);
  const code = await closed;
  release();
  return { code, killedBy: killedBy as NodeJS.Signals | null, stdout, stderr, requestsAtSignal };
}

async function rowsAfter() {
  const rows = await Promise.all(CANVASES.map((assetId) => getRow(world.dynamo, world.tableName, assetId)));
  return {
    unlocked: rows.filter((row) => row && row.lockExpiresAt === undefined).length,
    claimsLeft: rows.filter((row) => row?.[REAPER_ATTRIBUTES.claimRunId] !== undefined).length,
  };
}

describe('SIGINT or SIGTERM during a run', () => {
  it.each([
    ['npm run reap, Ctrl-C', 'ops/commands/reap.ts', ['--json'], 'SIGINT'],
    ['npm run ops -- reap, SIGTERM', 'ops/cli.ts', ['reap', '--json'], 'SIGTERM'],
  ] as const)('%s: the summary so far, stopReason "interrupted", exit 1, no claim left behind', async (_name, script, args, signal) => {
    const { code, stdout, stderr, requestsAtSignal } = await interruptAfterFirstRequest(script, [...args], signal);
    expect(requestsAtSignal, stderr).toBe(1);
    expect(code, stderr).toBe(EXIT.canvasFailedOrInvalid);
    expect(stderr).toContain(`${signal}: stopping; no canvas starts from now on`);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ examined: 4, stale: 4, cutShort: true, stopReason: 'interrupted' });
    // The canvas under way finished; no other started.
    expect(summary).toMatchObject({ unlocked: 1, failed: 0, skipped: { runStopped: 3 } });
    expect(world.api.requests.map((request) => request.route)).toEqual(['get', 'unlock']);
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/run cut short: interrupted/);
    const rows = await rowsAfter();
    expect(rows.unlocked).toBe(summary.unlocked);
    expect(rows.claimsLeft).toBe(0);
  });
});

/** The summary object a `--json` run printed, after whatever npm printed before the script (its banner). */
function summaryIn(stdout: string) {
  return JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1));
}

describe('one Ctrl-C at a terminal: the whole process group is signalled, wrappers relay it again', () => {
  it.each([
    // The script is `exec node bin/…`: npm waits for the reap itself and exits with its code.
    ['npm run reap', 'npm', ['run', 'reap', '--', '--json'], { code: EXIT.canvasFailedOrInvalid, killedBy: null }],
    // npx runs the bin through `sh -c`, and that shell dies of the SIGINT at once, so npx does too (a shell shows 130);
    // the reap goes on, prints its summary and gives its claims back (it holds the output pipes: 'close' waits for it).
    ['npx canvas-reaper', 'npx', ['canvas-reaper', '--json'], { code: null, killedBy: 'SIGINT' }],
    ['the canvas-reaper bin', 'node', ['bin/canvas-reaper.js', '--json'], { code: EXIT.canvasFailedOrInvalid, killedBy: null }],
  ] as const)('%s: the summary so far, stopReason "interrupted", no claim left behind', async (_name, command, args, ended) => {
    const { code, killedBy, stdout, stderr, requestsAtSignal } = await interruptCommand(command, [...args], 'SIGINT', 'group');
    expect(requestsAtSignal, stderr).toBe(1);
    // One Ctrl-C, however many copies of the signal arrived: one "stopping" line, and no second-signal exit.
    expect(stderr.match(/SIGINT: stopping/g), stderr).toHaveLength(1);
    const summary = summaryIn(stdout);
    expect(summary).toMatchObject({ examined: 4, stale: 4, cutShort: true, stopReason: 'interrupted', unlocked: 1 });
    expect(stderr).toMatch(/run cut short: interrupted/);
    const rows = await rowsAfter();
    expect(rows.unlocked).toBe(summary.unlocked);
    expect(rows.claimsLeft).toBe(0);
    expect({ code, killedBy }, stderr).toEqual(ended);
  });
});

describe('Ctrl-C typed at a real (pseudo-)terminal: the terminal itself signals the foreground process group', () => {
  it('npm run reap: the summary so far, stopReason "interrupted", exit 1, no claim left behind', async () => {
    let release = () => {};
    const signalTaken = new Promise<void>((resolve) => (release = resolve));
    for (const assetId of CANVASES) world.api.script(assetId, [{ action: () => signalTaken }], 'get');
    // script(1) runs the command on a new pseudo-terminal; what we write to its stdin is typed at that terminal.
    // -e: script exits with the command's exit code; exec: no shell between the terminal and npm.
    const child = spawn('script', ['-qec', 'exec npm run reap -- --json', '/dev/null'], {
      cwd: ROOT,
      env: { ...shellEnv(), npm_config_update_notifier: 'false', npm_config_offline: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('SIGINT: stopping')) release();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    let exited = false;
    void closed.then(() => (exited = true));
    while (world.api.requests.length === 0 && !exited) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(world.api.requests, output).toHaveLength(1);
    // Ctrl-C, as a person types it: the terminal's line discipline turns it into SIGINT for the whole foreground group.
    child.stdin.write('\x03');
    const code = await closed;
    release();
    const text = output.replaceAll('\r', '');
    expect(text.match(/SIGINT: stopping/g), text).toHaveLength(1);
    const json = text.slice(text.indexOf('\n{\n') + 1, text.indexOf('\n}\n') + 2);
    expect(JSON.parse(json)).toMatchObject({ examined: 4, stale: 4, cutShort: true, stopReason: 'interrupted', unlocked: 1 });
    // npm waited for the reap (its script execs node) and exits with the reap's code.
    expect(code, text).toBe(EXIT.canvasFailedOrInvalid);
    const rows = await rowsAfter();
    expect(rows.unlocked).toBe(1);
    expect(rows.claimsLeft).toBe(0);
  });
});
