import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanvasStore } from '#reaper/core/ports';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';
import { expectOnePossibleLiveLockUnlock } from '#test-support/run-summary';

// Every test of both groups gets its own table and stand-in.
let h: ReaperHarness;
beforeEach(async () => {
  h = await createReaperHarness({ requestTimeoutMs: 300, maxRetries: 2 });
});
afterEach(async () => {
  await h.close();
});

/**
 * Issue 9: never free a lock that is live at Scenario. Each test drives the real reaper (AWS SDK → local DynamoDB,
 * ky → the local Scenario stand-in, which keeps real lock state) through one of the ways the table alone misleads it.
 */
describe('a lock live at Scenario is never freed from the table alone', () => {
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('the table lags: an editor re-locked at Scenario, its row still holds the expired lock → not unlocked, renewed-at-source, row healed', async () => {
    const expired = minutesAgo(10);
    await h.seed([{ assetId: 'asset_lagging', lockExpiresAt: expired, lockId: 'lk_old', extra: { doc: { S: 'editor-state' } } }]);
    const liveAtScenario = minutesFromNow(15);
    h.api.lock('asset_lagging', liveAtScenario);

    const { summary, byAsset, lines } = await h.run();

    expect(byAsset.get('asset_lagging')).toMatchObject({
      status: 'skipped',
      reason: 'renewed-at-source',
      lockExpiresAt: expired,
      sourceLockExpiresAt: liveAtScenario,
    });
    expect(summary).toMatchObject({ unlocked: 0, failed: 0, skipped: expect.objectContaining({ renewedAtSource: 1 }) });
    expect(h.api.unlockRequests).toEqual([]);
    expect(h.api.canvas('asset_lagging')?.lockExpiresAt).toBe(liveAtScenario);
    const warn = lines.find((line) => line.level === 'WARN' && line.assetId === 'asset_lagging');
    expect(warn).toMatchObject({ lockExpiresAt: expired, sourceLockExpiresAt: liveAtScenario });
    // Healed: Scenario's expiry, no (old) lockId, no claim, the heal recorded, the writer's attributes kept.
    expect(await h.row('asset_lagging')).toEqual({
      assetId: { S: 'asset_lagging' },
      lockExpiresAt: { S: liveAtScenario },
      doc: { S: 'editor-state' },
      lastHealedAt: { S: expect.any(String) },
      lastHealedRunId: { S: summary.runId },
    });
    // The next run judges the healed row right: live, no request.
    const next = await h.run();
    expect(next.byAsset.get('asset_lagging')).toMatchObject({ status: 'skipped', reason: 'live' });
  });

  it("the writer's own late mirror write wins over the heal", async () => {
    await h.seed([{ assetId: 'asset_late', lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    const liveAtScenario = minutesFromNow(15);
    const lockId = h.api.lock('asset_late', liveAtScenario);
    // The mirror write lands between the claim and the heal (while the GET is at the API). The GET is sent beside the
    // claim (issue 20), so the writer waits for the claim to land, and the GET answers once the mirror write landed.
    h.api.script(
      'asset_late',
      [
        {
          action: async () => {
            await until(() => claimLanded);
            await h.renewLock('asset_late', liveAtScenario, lockId);
          },
        },
      ],
      'get',
    );
    let claimLanded = false;
    const watchClaim: CanvasStore = Object.assign(Object.create(h.store) as CanvasStore, {
      claim: async (...args: Parameters<CanvasStore['claim']>) => {
        const result = await h.store.claim(...args);
        claimLanded = true;
        return result;
      },
    });

    const { byAsset } = await h.run({ store: watchClaim });

    expect(byAsset.get('asset_late')).toMatchObject({ status: 'skipped', reason: 'renewed-at-source' });
    const row = await h.row('asset_late');
    expect(row?.lockId).toEqual({ S: lockId });
    expect(row?.lockExpiresAt).toEqual({ S: liveAtScenario });
  });

  it('unlocks as before when Scenario shows no lock, or the same expired one; VERIFY_AT_SOURCE off trusts the table', async () => {
    await h.seed([
      { assetId: 'asset_noLockAtSource', lockExpiresAt: minutesAgo(10) },
      { assetId: 'asset_sameExpired', lockExpiresAt: minutesAgo(10) },
    ]);
    h.api.addCanvas('asset_noLockAtSource', {});

    const { summary } = await h.run();
    expect(summary).toMatchObject({ stale: 2, unlocked: 2, verifyAtSource: true });

    await h.seed([{ assetId: 'asset_unverified', lockExpiresAt: minutesAgo(10) }], { knownToApi: false });
    h.api.lock('asset_unverified', minutesFromNow(15));
    const off = await h.run({ verifyAtSource: false });
    // Off: the table alone decides (the documented risk of turning it off); no GET was sent.
    expect(off.byAsset.get('asset_unverified')).toMatchObject({ status: 'unlocked' });
    expect(off.summary.verifyAtSource).toBe(false);
    expect(h.api.requests.filter((r) => r.assetId === 'asset_unverified').map((r) => r.method)).toEqual(['PUT']);
  });

  it('a GET that fails sends no unlock: failed at step verify, the claim given back', async () => {
    await h.seed([{ assetId: 'asset_getFails', lockExpiresAt: minutesAgo(10) }]);
    h.api.script('asset_getFails', [{ status: 503 }, { status: 503 }, { status: 503 }], 'get');

    const { summary } = await h.run();

    expect(summary.failures).toEqual([
      expect.objectContaining({ assetId: 'asset_getFails', kind: 'server-error', step: 'verify', httpStatus: 503 }),
    ]);
    expect(h.api.unlockRequests).toEqual([]);
    expect((await h.row('asset_getFails'))?.reaperClaimRunId).toBeUndefined();
  });

  it('a renewal that lands during the wait before a retry stops the retries: renewed, not freed', async () => {
    await h.seed([{ assetId: 'asset_renewedInRetry', lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    const renewedUntil = minutesFromNow(10);
    // 429 is refused, never applied; the editor renews in the table while the reaper waits the second asked for.
    h.api.script('asset_renewedInRetry', [
      {
        action: () => void setTimeout(() => void h.renewLock('asset_renewedInRetry', renewedUntil, 'lk_new'), 100),
        andThen: { status: 429, headers: { 'retry-after': '1' } },
      },
    ]);

    const { summary, byAsset } = await h.run();

    expect(byAsset.get('asset_renewedInRetry')).toMatchObject({ status: 'skipped', reason: 'renewed' });
    expect(h.api.unlockRequests).toHaveLength(1);
    expect(h.api.unlockLog).toEqual([]);
    expect(summary.warnings).toEqual([]);
    expect((await h.row('asset_renewedInRetry'))?.lockExpiresAt).toEqual({ S: renewedUntil });
  });

  it("after a timeout whose unlock the API applied, a newcomer's lock taken meanwhile is not freed by the retry, and the doubt is reported", async () => {
    await h.seed([{ assetId: 'asset_newcomer', lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    h.api.script('asset_newcomer', [{ applyThen: 'hang' }]);
    const newcomerUntil = minutesFromNow(20);
    // The unlock is applied; before the reaper's timeout, a newcomer locks the canvas at Scenario (its mirror write
    // has not landed yet).
    const newcomer = (async () => {
      await until(() => h.api.unlockLog.length === 1);
      h.api.lock('asset_newcomer', newcomerUntil);
    })();

    const { summary, byAsset } = await h.run();
    await newcomer;

    expect(h.api.unlockLog).toHaveLength(1);
    expect(h.api.canvas('asset_newcomer')?.lockExpiresAt).toBe(newcomerUntil);
    expect(byAsset.get('asset_newcomer')).toMatchObject({ status: 'failed', kind: 'timeout', step: 'unlock' });
    expectOnePossibleLiveLockUnlock(summary, 'asset_newcomer', {
      claimedLock: { lockExpiresAt: expect.any(String), lockId: 'lk_old' },
      currentLock: { lockExpiresAt: newcomerUntil },
    });
  });

  it.each([
    ['answers 504', { status: 504 }],
    ['cuts the connection', 'reset'],
  ] as const)(
    'an unlock the API applied and then %s, with the row renewed meanwhile → failed, and a possible-live-lock-unlock warning',
    async (_, failure) => {
      const assetId = `asset_ambiguous${typeof failure === 'string' ? 'Reset' : 'Status'}`;
      await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
      const renewedUntil = minutesFromNow(10);
      h.api.script(assetId, [{ action: () => h.renewLock(assetId, renewedUntil, 'lk_new'), andThen: { applyThen: failure } }]);

      const { summary, byAsset } = await h.run();

      expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', step: 'unlock' });
      expect(h.api.unlockRequests).toHaveLength(1);
      expectOnePossibleLiveLockUnlock(summary, assetId, { currentLock: { lockExpiresAt: renewedUntil, lockId: 'lk_new' } });
      // The writer's row is left as the writer wrote it.
      expect((await h.row(assetId))?.lockId).toEqual({ S: 'lk_new' });
    },
  );

  it('a harmless GET timeout reads differently from a doubtful PUT timeout (failure step, and no warning)', async () => {
    await h.seed([{ assetId: 'asset_getHangs', lockExpiresAt: minutesAgo(10) }]);
    h.api.script('asset_getHangs', [{ hang: true }, { hang: true }, { hang: true }], 'get');

    const { summary } = await h.run();

    expect(summary.failures).toEqual([expect.objectContaining({ assetId: 'asset_getHangs', kind: 'timeout', step: 'verify' })]);
    expect(summary.warnings).toEqual([]);
    expect(h.api.unlockRequests).toEqual([]);
  });

  it('unlocked-row-changed counts as a possible live-lock unlock too', async () => {
    await h.seed([{ assetId: 'asset_rowChanged', lockExpiresAt: minutesAgo(10) }]);
    const renewedUntil = minutesFromNow(10);
    h.api.script('asset_rowChanged', [
      {
        action: () => h.writeRow({ assetId: 'asset_rowChanged', lockExpiresAt: renewedUntil }),
      },
    ]);

    const { summary, byAsset } = await h.run();

    expect(byAsset.get('asset_rowChanged')).toMatchObject({ status: 'unlocked-row-changed' });
    expect(summary).toMatchObject({ unlocked: 1, possibleLiveLockUnlocks: 1 });
    expect(summary.warnings[0]).toMatchObject({ kind: 'possible-live-lock-unlock', currentLock: { lockExpiresAt: renewedUntil } });
  });
});

/**
 * Issue 16 item 1: "no lock at Scenario" means exactly that `metadata` is a JSON object and `lockExpiresAt` is absent or
 * null. Any other answer is one the reaper does not understand: it frees nothing for that canvas and says what it read.
 */
describe('a lock reading Scenario gives that the reaper cannot parse is not "no lock"', () => {
  const setLock = (value: unknown) => (asset: Record<string, any>) => {
    asset.metadata.lockExpiresAt = value;
  };
  const setMetadata = (value: unknown) => (asset: Record<string, any>) => {
    if (value === undefined) delete asset.metadata;
    else asset.metadata = value;
  };

  it.each([
    ['a live lock without a time zone', setLock('2099-01-01T00:00:00'), '"2099-01-01T00:00:00"'],
    ['the number 4102444800000', setLock(4102444800000), '4102444800000'],
    ['second 60 (…T23:59:60Z)', setLock('2099-01-01T23:59:60Z'), '"2099-01-01T23:59:60Z"'],
    ['hour 24 (…T24:00:00Z)', setLock('2099-01-01T24:00:00Z'), '"2099-01-01T24:00:00Z"'],
    ['a lowercase t and z', setLock('2099-01-01t00:00:00z'), '"2099-01-01t00:00:00z"'],
    ['a space instead of T', setLock('2099-01-01 00:00:00Z'), '"2099-01-01 00:00:00Z"'],
    ['an expanded year (+275760-…)', setLock('+275760-09-13T00:00:00Z'), '"+275760-09-13T00:00:00Z"'],
    ['no metadata at all', setMetadata(undefined), 'metadata is absent'],
    ['metadata a string', setMetadata('locked until 2099'), '"locked until 2099"'],
    ['metadata an array', setMetadata([{ lockExpiresAt: '2099-01-01T00:00:00Z' }]), '[{"lockExpiresAt":"2099-01-01T00:00:00Z"}]'],
    ['lockExpiresAt an object', setLock({ at: '2099-01-01T00:00:00Z' }), '{"at":"2099-01-01T00:00:00Z"}'],
    ['lockExpiresAt true', setLock(true), 'true'],
    ['lockExpiresAt an empty string', setLock(''), '""'],
  ])('%s → failed at verify with bad-response saying what it read; no PUT; the claim given back', async (_, reshape, shown) => {
    const assetId = 'asset_unreadableLock';
    const expired = minutesAgo(10);
    await h.seed([{ assetId, lockExpiresAt: expired, lockId: 'lk_old' }]);
    const before = await h.row(assetId);
    h.api.script(assetId, [{ reshape }], 'get');

    const { summary, byAsset, lines } = await h.run();

    expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', kind: 'bad-response', step: 'verify', httpStatus: 200 });
    const failure = summary.failures.find((f) => f.assetId === assetId);
    expect(failure?.error).toContain(shown);
    expect(summary).toMatchObject({ unlocked: 0, failed: 1 });
    expect(h.api.unlockRequests).toEqual([]);
    // The row keeps its lock and is left without our claim: the next run tries again, and fails the same way.
    expect(await h.row(assetId)).toEqual(before);
    expect(lines.some((line) => line.message === 'canvas unlocked')).toBe(false);
  });

  it('the value read is clipped, escaped and redacted in the failure', async () => {
    const assetId = 'asset_hostileLock';
    await h.seed([{ assetId, lockExpiresAt: minutesAgo(10) }]);
    const signature = h.api.sign();
    // The controls stand outside the URL: a URL-like word loses its whole query, controls and all, to redaction.
    const hostile = `\u009b31m\u202e https://cdn.example/x.png?X-Amz-Signature=${signature} ${'9'.repeat(5_000)}`;
    h.api.script(assetId, [{ reshape: setLock(hostile) }], 'get');

    const { summary, output } = await h.run();

    const error = summary.failures.find((f) => f.assetId === assetId)?.error ?? '';
    expect(summary.failures).toEqual([expect.objectContaining({ assetId, kind: 'bad-response', step: 'verify' })]);
    expect(error.length).toBeLessThan(600);
    expect(error).not.toContain(signature);
    expect(output).not.toContain(signature);
    expect(error).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(error).toContain('\\u009b');
    expect(h.api.unlockRequests).toEqual([]);
  });

  it('still unlocks when metadata is an object whose lockExpiresAt is absent or null', async () => {
    await h.seed([
      { assetId: 'asset_lockAbsent', lockExpiresAt: minutesAgo(10) },
      { assetId: 'asset_lockNull', lockExpiresAt: minutesAgo(10) },
    ]);
    h.api.script('asset_lockAbsent', [{ reshape: (asset) => void delete asset.metadata.lockExpiresAt }], 'get');
    h.api.script('asset_lockNull', [{ reshape: setLock(null) }], 'get');

    const { summary } = await h.run();

    expect(summary).toMatchObject({ stale: 2, unlocked: 2, failed: 0 });
  });

  it('an unreadable lock on the GET before a retry stops the retries: failed, bad-response, step unlock, with the doubt check', async () => {
    const assetId = 'asset_unreadableOnRetry';
    await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    // The first GET reads no lock; the PUT answers 503 (maybe applied); the GET before the retry is unreadable.
    h.api.script(assetId, [{ ok: true }, { reshape: setLock('2099-01-01T00:00:00') }], 'get');
    h.api.script(assetId, [{ status: 503 }]);

    const { summary, byAsset } = await h.run();

    expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', kind: 'bad-response', step: 'unlock' });
    expect(summary.failures.find((f) => f.assetId === assetId)?.error).toContain('"2099-01-01T00:00:00"');
    expect(h.api.unlockRequests).toHaveLength(1);
    // The doubt check ran (the 503 may have been applied) and found the row unchanged: no warning.
    expect(summary.warnings).toEqual([]);
    expect((await h.row(assetId))?.reaperClaimRunId).toBeUndefined();
  });

  it('…and when the row changed meanwhile, that doubt check reports the possible live-lock unlock', async () => {
    const assetId = 'asset_unreadableOnRetryRenewed';
    await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    const renewedUntil = minutesFromNow(10);
    const renewRow = () => h.renewLock(assetId, renewedUntil, 'lk_new');
    // The PUT is applied and answered 503; while the GET before the retry is at Scenario, the writer's mirror write
    // lands; that GET's answer is unreadable.
    h.api.script(assetId, [{ applyThen: { status: 503 } }]);
    h.api.script(assetId, [{ ok: true }, { action: renewRow, andThen: { reshape: setLock(4102444800000) } }], 'get');

    const { summary, byAsset } = await h.run();

    expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', kind: 'bad-response', step: 'unlock' });
    expect(h.api.unlockRequests).toHaveLength(1);
    expectOnePossibleLiveLockUnlock(summary, assetId, { currentLock: { lockExpiresAt: renewedUntil, lockId: 'lk_new' } });
  });
});
