#!/usr/bin/env node
// The CDK app entry (cdk.json "app"). Settings come from the settings table's defaults, the environment file
// `-c env=<name>` selects, and `-c` context keys; see infra/context.ts and docs/deploy.md.
import { ContextError, EnvironmentFileError } from './context';
import { createReaperApp } from './reaper-app';

try {
  createReaperApp().app.synth();
} catch (error) {
  // A setting mistake is the deployer's to fix: say what it is, without a stack trace of the app.
  if (!(error instanceof ContextError || error instanceof EnvironmentFileError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
