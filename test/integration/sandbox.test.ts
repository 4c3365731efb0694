import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function runSandbox(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm start (the sandbox)', () => {
  it('runs one real reap and shows each canvas outcome, the summary and a passing secret check', async () => {
    const { code, stdout, stderr } = await runSandbox();

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const line = (assetId: string) => stdout.split('\n').find((l) => l.startsWith(`${assetId} `)) ?? '';
    expect(line('asset_sbxStaleTenMin')).toMatch(/UNLOCKED\s+free \(unlocked/);
    expect(line('asset_sbxStaleFlakyApi')).toContain('UNLOCKED (2 attempts)');
    expect(line('asset_sbxLive')).toMatch(/skipped: live\s+expires in/);
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
  });
});
