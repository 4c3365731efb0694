import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { createReaperApp } from '#infra/reaper-app';
import { cdkJsonContext, EXISTING_RESOURCES_BY_ARN, OFFICE_HOURS_SCHEDULE_WITH_ALARM_EMAIL } from './support/synth-reaper';

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Builds the app as `cdk synth` does (both cdk-nag packs on), synthesizes it and returns what cdk-nag reported. */
function nagReport(overrides: Record<string, unknown> = {}, mutate?: (app: ReturnType<typeof createReaperApp>) => void) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'reaper-nag-'));
  outdirs.push(outdir);
  const built = createReaperApp(
    { outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...overrides } },
    { warn: () => {} },
  );
  mutate?.(built);
  let synthError: unknown;
  try {
    built.app.synth();
  } catch (error) {
    synthError = error; // an error-level finding fails the synth; the report is written first
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(reportFile)) throw synthError ?? new Error('no validation report was written');
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { pluginReports: { pluginName: string; violations: Violation[] }[] };
  const violations = report.pluginReports.flatMap((plugin) =>
    plugin.violations.map(
      (v) => `${plugin.pluginName} ${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
    ),
  );
  return { violations, synthError, built };
}

/** Every acknowledgement in the app: the construct's path, the rule id and the reason. */
function acknowledgements(built: ReturnType<typeof createReaperApp>) {
  const acknowledged: { path: string; id: string; reason: string }[] = [];
  for (const construct of built.app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        acknowledged.push({ path: construct.node.path, id: id.replace(/^Annotation::/, ''), reason });
      }
    }
  }
  return acknowledged;
}

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it('reports no unacknowledged finding, error or warning, on the default stack, from either pack', () => {
    const { violations, synthError } = nagReport();
    expect(violations).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it.each([
    { 'reaper:existingTableName': 'prod-tracked-canvases', 'reaper:existingSecretName': 'prod/scenario' },
    EXISTING_RESOURCES_BY_ARN,
    OFFICE_HOURS_SCHEDULE_WITH_ALARM_EMAIL,
  ])('reports no unacknowledged finding with %j', (context) => {
    expect(nagReport(context).violations).toEqual([]);
  });

  it('is really on, both packs: a non-compliant resource added to the stack is reported and fails the synth', () => {
    const { violations, synthError } = nagReport({}, ({ stack }) => {
      new Queue(stack, 'UncheckedQueue');
    });
    expect(violations).toContainEqual(expect.stringMatching(/^AwsSolutions error AwsSolutions-SQS4 at CanvasLockReaper\/UncheckedQueue/));
    expect(violations).toContainEqual(
      expect.stringMatching(/^Serverless error Serverless-SQSRedrivePolicy at CanvasLockReaper\/UncheckedQueue/),
    );
    expect(String(synthError)).toMatch(/^ValidationFailed: /);
  });

  it('acknowledges exactly these findings, each with a specific reason', () => {
    const acknowledged = acknowledgements(nagReport().built);
    expect(acknowledged.map(({ path: p, id }) => `${p} ${id}`).sort()).toEqual(
      [
        'CanvasLockReaper/Reaper/FailedInvocations/Queue AwsSolutions-SQS3',
        'CanvasLockReaper/Reaper/FailedInvocations/Queue Serverless-SQSRedrivePolicy',
        'CanvasLockReaper/Reaper/Function AwsSolutions-L1',
        'CanvasLockReaper/Reaper/Function Serverless-LambdaDLQ',
        'CanvasLockReaper/Reaper/Function Serverless-LambdaLatestVersion',
        'CanvasLockReaper/Reaper/Role AwsSolutions-IAM5[Resource::*]',
        'CanvasLockReaper/Schedule/InvokeRole AwsSolutions-IAM5[Resource::<ReaperFunctionF52F06D3.Arn>:*]',
        'CanvasLockReaper/Schedule/UndeliveredTicks/Queue AwsSolutions-SQS3',
        'CanvasLockReaper/Schedule/UndeliveredTicks/Queue Serverless-SQSRedrivePolicy',
        'CanvasLockReaper/ScenarioCredentials/Secret AwsSolutions-SMG4',
        'CanvasLockReaper/LockEvents/CopyToLogs Serverless-EventBusDLQ',
        'CanvasLockReaper/LockEvents/SubscriberPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/<LockEventsBusDC896C93>/*]',
      ].sort(),
    );
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(60);
  });

  it('with an alarm e-mail, acknowledges only that its dead-letter queue has no redrive of its own', () => {
    const { violations, built } = nagReport({ 'reaper:alarmEmail': 'ops@example.com' });
    expect(violations).toEqual([]);
    const added = acknowledgements(built).filter(({ path: p }) => p.startsWith('CanvasLockReaper/Monitoring/'));
    expect(added.map(({ path: p, id }) => `${p} ${id}`).sort()).toEqual([
      'CanvasLockReaper/Monitoring/UndeliveredNotifications/Queue AwsSolutions-SQS3',
      'CanvasLockReaper/Monitoring/UndeliveredNotifications/Queue Serverless-SQSRedrivePolicy',
    ]);
  });
});
