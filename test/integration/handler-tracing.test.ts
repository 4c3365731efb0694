import { describe, expect, it } from 'vitest';
import { putRow } from '#local/tracked-canvas-table';
import { SPAN_NAMES } from '#reaper/adapters/tracing';
import { createHandler } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { useHandlerWorld } from '#test-support/handler-world';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';
import { type SpanNode, spanTree, tracingTracer, withinSegment } from '#test-support/x-ray';

const world = useHandlerWorld('tracing');

const names = (nodes: SpanNode[]) => nodes.map((node) => node.name);

describe('the handler, traced as in Lambda', () => {
  it('spans the run, each page of the Scan, the GET and the PUT of the stale canvas, and the DynamoDB calls', async () => {
    for (const [assetId, lockExpiresAt] of [
      ['asset_tr_stale', minutesAgo(15)],
      ['asset_tr_live', minutesFromNow(15)],
    ] as const) {
      await putRow(world.dynamo, world.tableName, { assetId, lockExpiresAt });
      world.api.addCanvas(assetId, { lockExpiresAt });
    }
    const tracer = tracingTracer();
    const handler = createHandler({
      env: {
        ...process.env,
        [ENV.tableName]: world.tableName,
        [ENV.apiBaseUrl]: world.api.baseUrl,
        [ENV.secretId]: world.secretId,
        [ENV.logLevel]: 'ERROR',
      },
      tracer,
    });

    // Logs and the EMF metrics line go to stdout; captured so the test output stays readable.
    const { result: traced } = await captureOutput(() =>
      withinSegment(tracer, () => handler({}, { awsRequestId: 'req-traced', getRemainingTimeInMillis: () => 60_000 })),
    );
    const { result: summary, segment } = traced;
    expect(summary.unlocked).toBe(1);

    const top = spanTree(segment);
    const run = top.find((node) => node.name === SPAN_NAMES.run);
    expect(run, `top-level spans: ${names(top).join(', ')}`).toBeDefined();
    expect(run!.closed).toBe(true);
    expect(run!.annotations).toMatchObject({
      runId: 'req-traced',
      dryRun: false,
      unlocked: 1,
      failed: 0,
      ColdStart: true,
      Service: 'tracing-test',
    });
    // The secret is read before the run: its Secrets Manager call is a span of its own, outside the run.
    expect(names(top)).toContain('SecretsManager');

    const inRun = run!.children;
    expect(inRun.filter((node) => node.name === SPAN_NAMES.scanPage).length).toBeGreaterThanOrEqual(1);
    const scan = inRun.find((node) => node.name === SPAN_NAMES.scanPage)!;
    expect(scan.annotations.canvases).toBe(2);
    expect(names(scan.children)).toEqual(['DynamoDB']);
    expect(inRun.filter((node) => node.name === SPAN_NAMES.verify).map((node) => node.annotations)).toEqual([
      { assetId: 'asset_tr_stale', outcome: 'ok', attempts: 1 },
    ]);
    expect(inRun.filter((node) => node.name === SPAN_NAMES.unlock).map((node) => node.annotations)).toEqual([
      { assetId: 'asset_tr_stale', outcome: 'ok', attempts: 1 },
    ]);
    // The claim and the record of the unlock are conditional writes, each its own DynamoDB span.
    expect(inRun.filter((node) => node.name === 'DynamoDB').length).toBeGreaterThanOrEqual(2);
    expect(inRun.every((node) => node.closed)).toBe(true);
  });
});
