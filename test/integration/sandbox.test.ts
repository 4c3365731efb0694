import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '#test-support/child-process';

const root = path.resolve(__dirname, '../..');

const runSandbox = () => runToEnd(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], { cwd: root });

describe('npm start (the sandbox)', () => {
  it('runs one real reap and shows each canvas outcome, the summary and a passing secret check', async () => {
    const { code, stdout, stderr } = await runSandbox();

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const line = (assetId: string) => stdout.split('\n').find((l) => l.startsWith(`${assetId} `)) ?? '';
    expect(line('asset_sbxStaleTenMin')).toMatch(/UNLOCKED\s+free \(unlocked/);
    expect(line('asset_sbxStaleFlakyApi')).toContain('UNLOCKED (2 attempts)');
    expect(line('asset_sbxLive')).toMatch(/skipped: live\s+expires in/);
    // One word for one state, as ops status says: an expired lock within the grace is in-grace, not live.
    expect(line('asset_sbxInGrace')).toMatch(/skipped: in-grace\s/);
    expect(line('asset_sbxRenewedAtScenario')).toMatch(
      /expired 8 min ago\s+skipped: renewed-at-source \(live at Scenario\)\s+expires in 20 min \(healed from Scenario\)/,
    );
    expect(line('asset_sbxBadDate')).toContain('INVALID');
    expect(line('canvas-42')).toContain('INVALID');
    expect(line('asset_sbxDeletedAtScenario')).toMatch(/FAILED \(asset-not-found 404\)\s+expired 45 min ago/);
    expect(stdout).toContain('npm run reap exited 1');
    expect(line('asset_sbxStudioStale')).toMatch(/UNLOCKED\s+free \(unlocked/);
    expect(line('asset_sbxArchiveStale')).toMatch(/FAILED \(credentials-rejected 401\)\s+expired 12 min ago/);
    expect(stdout).toMatch(/examined 12, stale 7, unlocked 4, failed 2/);
    expect(stdout).toMatch(/per project: .*proj_archive 0 unlocked, 1 failed \(key REFUSED\)/);
    expect(stdout).toContain('refused projects: ["proj_archive"]');
    expect(stdout).toContain('Secret check: none of the');
    // The lock events the run published (issue 21): one Released per unlock, the healed mirror.
    expect(stdout).toContain('Lock events published (5; docs/events.md):');
    expect(stdout).toMatch(/Canvas Lock Released {2}asset_sbxStudioStale {2}cli/);
    expect(stdout).toMatch(/Canvas Mirror Healed {2}asset_sbxRenewedAtScenario/);
  });
});

/** `npm start` in a pseudo-terminal of `columns` columns (script(1)), as a person at a terminal runs it. */
function runSandboxOnTerminal(columns: number): Promise<{ code: number | null; output: string }> {
  const command = `stty cols ${columns}; exec ${process.execPath} --import tsx scripts/sandbox.ts`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

describe('npm start on a terminal (issue 17 item 7)', () => {
  it('every line fits the width: long cells clipped with an ellipsis, prose wrapped; zero counters hidden', async () => {
    const { code, output } = await runSandboxOnTerminal(90);
    expect(code, output).toBe(0);
    const lines = output.replaceAll('\r', '').split('\n');
    expect(lines.filter((line) => [...line].length > 90)).toEqual([]);
    expect(output).toContain('…');
    expect(output).toMatch(/^asset_sbxInGrace\S*\s+.*skipped: in-grace/m);
    expect(output).toContain('Secret check: none of the');
    expect(output).not.toMatch(/\b(heldByBrake|projectRefused)\b.{0,3}\b0\b/);
  });
});
