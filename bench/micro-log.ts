import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { startScenarioStandIn } from '#local/scenario-stand-in';
import { assetLogRecord } from '#reaper/adapters/asset-log-record';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import { logOutcome } from '#reaper/core/outcome-log';

/**
 * CPU per call of what the reaper does per unlocked canvas to log it: the asset record of the unlock's answer
 * (adapters/asset-log-record.ts) and the outcome line through the production logger (its redaction and escaping),
 * written to a sink that discards it, so the write itself is left out. The asset is the stand-in's (a real Asset's
 * shape with signed URLs). `npx tsx bench/micro-log.ts`
 */
async function main(): Promise<void> {
  const api = await startScenarioStandIn({});
  api.addCanvas('asset_C00000000000000000000001', { lockExpiresAt: '2026-12-02T01:00:00.000Z', lockId: 'lock-1' });
  const response = await fetch(`${api.baseUrl}/assets/asset_C00000000000000000000001`, {
    headers: { authorization: `Basic ${Buffer.from(`${api.apiKey}:${api.apiSecret}`).toString('base64')}` },
  });
  const body = await response.text();
  await api.close();
  const asset = (JSON.parse(body) as { asset: Record<string, unknown> }).asset;
  const n = 5000;
  const time = (name: string, fn: () => void) => {
    for (let i = 0; i < 500; i += 1) fn();
    const before = process.cpuUsage();
    for (let i = 0; i < n; i += 1) fn();
    const used = process.cpuUsage(before);
    process.stdout.write(`${name}: ${((used.user + used.system) / n).toFixed(1)} µs\n`);
  };
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const logger = createLogger({ serviceName: 'canvas-lock-reaper', logLevel: 'INFO' });
  (logger as unknown as { console: Console }).console = new Console({ stdout: sink, stderr: sink });
  const reapLogger = asReapLogger(logger);
  const record = assetLogRecord(asset);
  const outcome = {
    assetId: asset.id as string,
    status: 'unlocked' as const,
    lockExpiresAt: '2026-12-02T01:00:00.000Z',
    attempts: 1,
    asset: record,
    source: { lockExpiresAt: '2026-12-02T01:00:00.000Z' },
  };
  time('JSON.parse body', () => JSON.parse(body));
  time('assetLogRecord', () => assetLogRecord(asset));
  time('logOutcome (to a null sink)', () => logOutcome(reapLogger, outcome));
  process.stdout.write(`body ${body.length} B, line ${JSON.stringify(outcome).length} B\n`);
}
main();
