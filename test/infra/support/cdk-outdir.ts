import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * A temp folder for one CDK App's output, removed when the running test finishes (pass or fail). Without an outdir,
 * `new App()` makes a `cdk.out*` folder in os.tmpdir() and never removes it; the run's global setup fails on one.
 * Call it inside a test: outside one, onTestFinished throws, so an app built at collection time cannot leak silently.
 */
export function cdkTestOutdir(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'reaper-cdk-test-'));
  onTestFinished(() => rmSync(outdir, { recursive: true, force: true }));
  return outdir;
}
