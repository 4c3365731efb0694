#!/usr/bin/env node
// The CDK app entry (cdk.json "app"). Settings come from context keys; see infra/context.ts and docs/deploy.md.
import { createReaperApp } from './reaper-app';

createReaperApp().app.synth();
