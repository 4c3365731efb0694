import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createReaperApp } from '#infra/reaper-app';
import type { ReaperStack } from '#infra/reaper-stack';
import { cdkTestOutdir } from './cdk-outdir';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The context cdk.json gives `cdk synth`, so tests build the app the CLI builds. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface SynthesizedReaper {
  app: App;
  stack: ReaperStack;
  template: Template;
}

/**
 * Builds the app as `cdk synth` does (cdk.json context, cdk-nag on) with `overrides` on top, without bundling the
 * handler and without CDK's built-in CloudFormation schema check (together a few hundred milliseconds a synth; the
 * template still holds every resource). Its output goes to a temp folder the test removes. cdk-nag.test.ts and
 * bundle.test.ts synthesize exactly as the CLI does.
 */
export function synthReaper(overrides: Record<string, unknown> = {}): SynthesizedReaper {
  const { app, stack } = createReaperApp(
    {
      outdir: cdkTestOutdir(),
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...overrides },
      builtinCloudFormationValidation: false,
    },
    // The "no -c env=" warning is environment-file.test.ts's business; here it would only be noise.
    { warn: () => {} },
  );
  return { app, stack, template: Template.fromStack(stack) };
}

/** The one resource of a type, failing when there are none or several. */
export function onlyResource(
  template: Template,
  type: string,
): { logicalId: string; properties: Record<string, any>; resource: Record<string, any> } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [logicalId, resource] = found[0]!;
  return { logicalId, properties: (resource.Properties ?? {}) as Record<string, any>, resource: resource as Record<string, any> };
}

/** The logical id of an L2 construct's CloudFormation resource (or of an L1 resource itself). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct instanceof CfnElement ? construct : construct.node.defaultChild) as CfnElement | undefined;
  if (!element) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(element);
}

/** Context that points the stack at an existing table, secret and key (by ARN) instead of making its own. */
export const EXISTING_RESOURCES_BY_ARN = {
  'reaper:existingTableArn': 'arn:aws:dynamodb:eu-west-1:123456789012:table/prod-tracked-canvases',
  'reaper:existingSecretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/scenario-AbC123',
  'reaper:secretKmsKeyArn': 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
} as const;

/** Context for a schedule of office hours in a time zone, created disabled, with an alarm e-mail. */
export const OFFICE_HOURS_SCHEDULE_WITH_ALARM_EMAIL = {
  'reaper:scheduleExpression': 'cron(0/10 8-18 ? * MON-FRI *)',
  'reaper:scheduleTimeZone': 'Europe/Paris',
  'reaper:scheduleEnabled': false,
  'reaper:alarmEmail': 'ops@example.com',
} as const;
