import 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalDynamoDb } from '#local/local-dynamodb';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** The temp folder of this test run: os.tmpdir() in every test file and child process. */
    runTmpdir: string;
  }
}

/** What `new App()` without an outdir leaves in the temp folder, and never removes. */
export const CDK_DEFAULT_OUTDIR_PREFIX = 'cdk.out';

/** The entries a test run must not leave behind in its temp folder: CDK output folders. */
export function leftoverCdkOutdirs(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.startsWith(CDK_DEFAULT_OUTDIR_PREFIX));
}

/**
 * One local DynamoDB server for the whole test run; test files isolate themselves by table name.
 *
 * The run also gets a temp folder of its own (TMPDIR, inherited by the test workers and their child processes), so
 * what the tests leave in os.tmpdir() can be checked at the end without other runs on the machine in the way: a
 * `cdk.out*` folder there (a CDK App made without an output folder) fails the run. The folder is removed after.
 */
export default async function setup(project: TestProject) {
  const runTmpdir = mkdtempSync(path.join(tmpdir(), 'canvas-lock-reaper-test-'));
  const outerTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = runTmpdir;
  project.provide('runTmpdir', runTmpdir);
  const dynamo = await startLocalDynamoDb();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.close();
    const leftovers = leftoverCdkOutdirs(runTmpdir);
    rmSync(runTmpdir, { recursive: true, force: true });
    if (outerTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outerTmpdir;
    if (leftovers.length > 0) {
      // vitest reports an error thrown here but still exits 0: set the exit code as well.
      process.exitCode = 1;
      throw new Error(
        `the tests left ${leftovers.length} CDK output folder(s) in os.tmpdir() (${leftovers.slice(0, 5).join(', ')}): ` +
          'give every CDK App an outdir the test removes (test/infra/support/cdk-outdir.ts)',
      );
    }
  };
}
