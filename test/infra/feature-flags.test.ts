import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { createReaperApp } from '#infra/reaper-app';
import { cdkJsonContext } from './support/synth-reaper';

/**
 * cdk.json sets aws-cdk-lib's feature flags to their recommended values, so `cdk synth` no longer prints "N feature
 * flags are not configured". The flags must not change what is deployed beyond the two changes CHANGELOG.md lists
 * ("Feature flags"): IAM actions in sorted order (@aws-cdk/aws-iam:minimizePolicies) and the logical id of the
 * function's version (@aws-cdk/aws-lambda:recognizeLayerVersion), which publishes one more version on the next deploy.
 */

const isFeatureFlag = (key: string) => key in FLAGS;

/** Flags set against aws-cdk-lib's recommendation, and why (CHANGELOG.md says the same). */
const NOT_RECOMMENDED: Record<string, { value: unknown; why: string }> = {
  '@aws-cdk/core:enableAdditionalMetadataCollection': {
    value: false,
    why: 'telemetry stays off: the CDKMetadata resource keeps to the CDK version, not the props of every construct',
  },
};

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The template of the stack, built from `context`, handler bundled (its asset hash then names the bundle). */
function templateWith(context: Record<string, unknown>): Record<string, any> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'reaper-flags-'));
  outdirs.push(outdir);
  const { stack } = createReaperApp({ context, outdir, builtinCloudFormationValidation: false }, { warn: () => {} });
  return Template.fromStack(stack).toJSON();
}

/** The template with the two accepted changes undone: IAM actions sorted, the function version's logical id fixed. */
function normalized(template: Record<string, any>): unknown {
  const versionIds = Object.entries<any>(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Version')
    .map(([id]) => id);
  let text = JSON.stringify(template);
  for (const id of versionIds) text = text.split(id).join('ReaperFunctionCurrentVersion');
  // minimizePolicies sorts a statement's actions and its resources: the same grants, in another order.
  const sorted = (value: unknown[]) => [...value].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.parse(text, (key, value) => ((key === 'Action' || key === 'Resource') && Array.isArray(value) ? sorted(value) : value));
}

describe('the feature flags in cdk.json', () => {
  const context = cdkJsonContext();
  const flags = Object.keys(context).filter(isFeatureFlag);

  it('set every flag whose unset behaviour is not the recommended one, each to its recommended value', () => {
    expect(flags.length).toBeGreaterThan(80);
    for (const key of flags) {
      const expected = key in NOT_RECOMMENDED ? NOT_RECOMMENDED[key]!.value : FLAGS[key]!.recommendedValue;
      expect(context[key], key).toEqual(expected);
    }
    const unset = Object.entries(FLAGS).filter(([key]) => !(key in context));
    for (const [key, flag] of unset) expect(flag.unconfiguredBehavesLike?.v2, `${key} is unset`).toEqual(flag.recommendedValue);
  });

  it.each([
    ['the default settings', {}],
    [
      'an alarm e-mail and an existing table and secret',
      { 'reaper:alarmEmail': 'ops@example.com', 'reaper:existingTableName': 'canvases', 'reaper:existingSecretName': 'scenario/reaper' },
    ],
  ])(
    'leave the template of %s as it was without them, but for the two listed changes',
    (_, settings) => {
      const withoutFlags = Object.fromEntries(Object.entries(context).filter(([key]) => !isFeatureFlag(key)));
      expect(Object.keys(withoutFlags).length).toBeLessThan(Object.keys(context).length);
      const before = templateWith({ ...withoutFlags, ...settings });
      const after = templateWith({ ...context, ...settings });
      expect(normalized(after)).toEqual(normalized(before));
    },
    120_000,
  );
});
