import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, inject, it } from 'vitest';
import { leftoverCdkOutdirs } from '#test-support/global-setup';
import { bareStack, templateOf } from './support/bare-stack';
import { synthReaper } from './support/synth-reaper';

/**
 * Nothing left behind (issue 16 item 12): every CDK App of the tests writes to a temp folder the test removes. The
 * run's global setup fails the run when a `cdk.out*` folder is left in os.tmpdir(); these tests show that check
 * looks where CDK writes, so it cannot pass for want of looking.
 */
describe('CDK output folders', () => {
  it("os.tmpdir() in a test is the run's own temp folder, the one the global setup checks", () => {
    expect(tmpdir()).toBe(inject('runTmpdir'));
  });

  it('an App without an outdir writes a cdk.out* folder there (what the check catches), and the check sees it', () => {
    const before = new Set(readdirSync(tmpdir()));
    const app = new App();
    new Stack(app, 'Leaky');
    app.synth();
    const added = leftoverCdkOutdirs(tmpdir()).filter((name) => !before.has(name));
    expect(added).toHaveLength(1);
    rmSync(path.join(tmpdir(), added[0]!), { recursive: true, force: true });
  });

  let outdirs: string[] = [];
  it("the tests' apps write to a folder of their own", () => {
    const before = new Set(readdirSync(tmpdir()));
    const bare = bareStack();
    templateOf(bare);
    const { app } = synthReaper();
    outdirs = [bare.node.root as App, app].map((built) => built.outdir);
    for (const outdir of outdirs) {
      expect(existsSync(outdir)).toBe(true);
      expect(path.basename(outdir).startsWith('cdk.out')).toBe(false);
    }
    expect(leftoverCdkOutdirs(tmpdir()).filter((name) => !before.has(name))).toEqual([]);
  });

  it('…which is removed once that test is over', () => {
    expect(outdirs).toHaveLength(2);
    for (const outdir of outdirs) expect(existsSync(outdir)).toBe(false);
  });
});
