import { describe, expect, it } from 'vitest';
import { eventEntry, logLineEntry } from '#ops/canvas-history';
import type { CanvasOutcome } from '#reaper/core/outcome';
import { logOutcome } from '#reaper/core/outcome-log';
import type { ApiFailure, ReapLogger } from '#reaper/core/ports';
import { ABSENT, stringReading } from '#reaper/core/tracked-canvas';
import { claimHeldByOtherRun, judgeSourceLock } from '#reaper/core/verdict';

const NOW = Date.parse('2026-12-02T03:00:00.000Z');
const GRACE_MS = 60_000;
const ok = (lockExpiresAt: string | undefined) => ({ ok: true as const, lockExpiresAt: stringReading(lockExpiresAt), attempts: 1 });

describe('judgeSourceLock: what the verify step (and ops explain) make of the GET', () => {
  it('a lock ahead of now, or expired within the grace, is live: the run heals the row with that expiry', () => {
    expect(judgeSourceLock(ok('2026-12-02T03:10:00.000Z'), NOW, GRACE_MS)).toEqual({
      kind: 'live',
      lockExpiresAt: '2026-12-02T03:10:00.000Z',
    });
    expect(judgeSourceLock(ok('2026-12-02T02:59:30.000Z'), NOW, GRACE_MS)).toEqual({
      kind: 'live',
      lockExpiresAt: '2026-12-02T02:59:30.000Z',
    });
  });

  it('no lock, or one stale by the grace too, lets the unlock go ahead', () => {
    expect(judgeSourceLock({ ok: true, lockExpiresAt: ABSENT, attempts: 1 }, NOW, GRACE_MS)).toEqual({
      kind: 'not-live',
      lockExpiresAt: null,
    });
    expect(judgeSourceLock(ok('2026-12-02T02:58:59.000Z'), NOW, GRACE_MS)).toEqual({
      kind: 'not-live',
      lockExpiresAt: '2026-12-02T02:58:59.000Z',
    });
  });

  it('a failed GET is a failure (an unreadable lock comes as bad-response): nothing is freed', () => {
    const failure: ApiFailure = { kind: 'bad-response', message: 'metadata is absent', attempts: 1, possiblyApplied: false, status: 200 };
    expect(judgeSourceLock({ ok: false, failure }, NOW, GRACE_MS)).toEqual({ kind: 'failed', failure });
  });

  it('a reading the lock API should have refused is a bug, never "no lock"', () => {
    expect(() => judgeSourceLock(ok('tomorrow'), NOW, GRACE_MS)).toThrow(/could not read/);
  });
});

describe("claimHeldByOtherRun: the store's claim condition in words", () => {
  it('no claim, a lapsed claim and our own claim leave the row free', () => {
    expect(claimHeldByOtherRun(undefined, NOW)).toBe(false);
    expect(claimHeldByOtherRun({ runId: 'run-a', expiresAtMs: NOW - 1 }, NOW)).toBe(false);
    expect(claimHeldByOtherRun({ runId: 'run-a', expiresAtMs: NOW + 60_000 }, NOW, 'run-a')).toBe(false);
  });

  it("another run's claim holds until its expiry (inclusive), and forever without a readable one", () => {
    expect(claimHeldByOtherRun({ runId: 'run-a', expiresAtMs: NOW + 60_000 }, NOW)).toBe(true);
    expect(claimHeldByOtherRun({ runId: 'run-a', expiresAtMs: NOW }, NOW)).toBe(true);
    expect(claimHeldByOtherRun({ runId: 'run-a', expiresAtMs: Number.NaN }, NOW)).toBe(true);
  });
});

describe("a canvas's history lines", () => {
  const at = '2026-12-02T02:00:00.000Z';
  const line = (fields: Record<string, unknown>) =>
    `2026-12-02T02:00:00.000Z\treq\tINFO\t${JSON.stringify({ level: 'INFO', timestamp: at, function_request_id: 'req-1', ...fields })}`;

  it('reads the outcome lines of the run: unlocked, healed, doubted, failed; other lines and canvases are left out', () => {
    expect(
      logLineEntry(
        line({ message: 'canvas unlocked', assetId: 'asset_a', status: 'unlocked', lockExpiresAt: 'T1', attempts: 1 }),
        'asset_a',
      ),
    ).toEqual({
      at,
      kind: 'unlocked',
      runId: 'req-1',
      detail: 'lock until T1, 1 attempt(s)',
    });
    expect(
      logLineEntry(
        line({ assetId: 'asset_a', status: 'skipped', reason: 'renewed-at-source', sourceLockExpiresAt: 'T2', lockExpiresAt: 'T1' }),
        'asset_a',
      )?.kind,
    ).toBe('healed');
    expect(
      logLineEntry(line({ assetId: 'asset_a', status: 'failed', kind: 'timeout', step: 'unlock', error: 'e', doubt: {} }), 'asset_a')?.kind,
    ).toBe('doubted');
    expect(
      logLineEntry(line({ assetId: 'asset_a', status: 'failed', kind: 'server-error', step: 'verify', error: 'e' }), 'asset_a'),
    ).toMatchObject({
      kind: 'failed',
      detail: 'server-error at verify: e',
    });
    expect(logLineEntry(line({ assetId: 'asset_a', status: 'skipped', reason: 'live' }), 'asset_a')).toBeUndefined();
    expect(logLineEntry(line({ assetId: 'asset_ab', status: 'unlocked' }), 'asset_a')).toBeUndefined();
    expect(logLineEntry('START RequestId: asset_a', 'asset_a')).toBeUndefined();
    expect(logLineEntry('{not json asset_a', 'asset_a')).toBeUndefined();
  });

  it('reports every outcome line the reaper writes (core/outcome-log.ts) that lacks its status or its timestamp', () => {
    const doubt = { claimed: { lockExpiresAt: 'T0' }, current: null, seenIn: 'table' as const };
    const outcomes: CanvasOutcome[] = [
      { assetId: 'asset_a', status: 'unlocked', lockExpiresAt: 'T0', attempts: 1, asset: {} },
      { assetId: 'asset_a', status: 'unlocked-row-changed', lockExpiresAt: 'T0', asset: {}, doubt },
      { assetId: 'asset_a', status: 'would-unlock', lockExpiresAt: 'T0' },
      { assetId: 'asset_a', status: 'invalid', problem: 'p' },
      { assetId: 'asset_a', status: 'failed', kind: 'timeout', step: 'unlock', error: 'e' },
      { assetId: 'asset_a', status: 'failed', kind: 'timeout', step: 'unlock', error: 'e', doubt },
      { assetId: 'asset_a', status: 'skipped', reason: 'renewed-at-source', sourceLockExpiresAt: 'T1', lockExpiresAt: 'T0' },
      { assetId: 'asset_a', status: 'skipped', reason: 'live' },
      { assetId: 'asset_a', status: 'skipped', reason: 'run-stopped' },
    ];
    const written: Record<string, unknown>[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => written.push({ message, ...fields });
    const logger: ReapLogger = { debug: record, info: record, warn: record, error: record };
    for (const outcome of outcomes) logOutcome(logger, outcome);
    expect(new Set(written.map((fields) => fields.message)).size).toBe(8);
    for (const { status, ...withoutStatus } of written) {
      expect(logLineEntry(line({ status, ...withoutStatus }), 'asset_a')?.kind).not.toBe('not-understood');
      expect(logLineEntry(line(withoutStatus), 'asset_a')).toEqual({ kind: 'not-understood', problem: 'status is missing' });
      expect(logLineEntry(line({ status, ...withoutStatus, timestamp: undefined }), 'asset_a')).toEqual({
        kind: 'not-understood',
        problem: 'timestamp is missing',
      });
    }
  });

  it('reads the lock events of the canvas', () => {
    const event = (detailType: string, detail: Record<string, unknown>) =>
      JSON.stringify({
        id: 'e1',
        'detail-type': detailType,
        source: 'canvas-lock-reaper',
        time: at,
        detail: { runId: 'run-1', ...detail },
      });
    expect(eventEntry(event('Canvas Lock Released', { assetId: 'asset_a', lockExpiresAt: 'T1', trigger: 'scheduled' }), 'asset_a')).toEqual(
      {
        at,
        kind: 'unlocked',
        runId: 'run-1',
        detail: 'lock until T1, trigger scheduled',
      },
    );
    expect(eventEntry(event('Canvas Mirror Healed', { assetId: 'asset_a', sourceLockExpiresAt: 'T2' }), 'asset_a')?.kind).toBe('healed');
    expect(
      eventEntry(
        event('Canvas Lock Release Doubted', { assetId: 'asset_a', kind: 'possible-live-lock-unlock', seenIn: 'table' }),
        'asset_a',
      )?.kind,
    ).toBe('doubted');
    expect(eventEntry(event('Reaper Brake Engaged', { projectId: 'p' }), 'asset_a')).toBeUndefined();
    expect(eventEntry(event('Canvas Lock Released', { assetId: 'asset_b' }), 'asset_a')).toBeUndefined();
  });
});
