#!/usr/bin/env node
import * as path from 'node:path';
// The CDK app entry (cdk.json "app"). Settings come from the settings table's defaults, the environment file
// `-c env=<name>` selects, and `-c` context keys; see infra/context.ts and docs/deploy.md.
import { ContextError, EnvironmentFileError } from './context';
import { REPO_ROOT } from './paths';
import { createReaperApp } from './reaper-app';

try {
  // The CLI names the output folder (CDK_OUTDIR); run directly, the app writes to the repository's cdk.out rather
  // than to a cdk.out* folder in the temp folder that nothing removes.
  createReaperApp({ outdir: process.env.CDK_OUTDIR ?? path.join(REPO_ROOT, 'cdk.out') }).app.synth();
} catch (error) {
  // A setting mistake is the deployer's to fix: say what it is, without a stack trace of the app.
  if (!(error instanceof ContextError || error instanceof EnvironmentFileError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
