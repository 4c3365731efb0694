import { createServer } from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoopbackServer, listenOnLoopback } from '#local/loopback-server';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';
import { expectOnePossibleLiveLockUnlock } from '#test-support/run-summary';

/**
 * The Scenario client (ky → HTTP → the local stand-in) against answers that are not what it asked for: redirects
 * (issue 16 item 2) and bodies that drip (issue 16 item 4).
 */

/** Another host, answering every request with a 200 asset that shows no lock: what a followed redirect would reach. */
async function startElsewhere(): Promise<LoopbackServer & { requests: { method: string; path: string; authorized: boolean }[] }> {
  const requests: { method: string; path: string; authorized: boolean }[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push({ method: request.method ?? '', path, authorized: request.headers.authorization !== undefined });
    const id = /\/assets\/([^/]+)/.exec(path)?.[1] ?? '';
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ asset: { id: decodeURIComponent(id), metadata: {} } }));
  });
  const listening = await listenOnLoopback(server);
  return Object.assign(listening, { requests });
}

describe('redirects are never followed (issue 16 item 2)', () => {
  let h: ReaperHarness;
  let elsewhere: Awaited<ReturnType<typeof startElsewhere>>;
  beforeEach(async () => {
    h = await createReaperHarness({ requestTimeoutMs: 1_000, maxRetries: 2 });
    elsewhere = await startElsewhere();
  });
  afterEach(async () => {
    await h.close();
    await elsewhere.close();
  });

  const redirectTo = (status: number, location: string) => ({ status, headers: { location }, body: { message: 'moved' } });

  it.each([301, 302, 303, 307, 308])(
    'a %i on the GET that verifies the lock: failed at verify with unexpected-redirect; nothing followed, no PUT, the row unchanged',
    async (status) => {
      const assetId = `asset_getRedirected${status}`;
      await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
      // Scenario still holds a live lock: followed, the other host's "no lock" would free it.
      h.api.lock(assetId, minutesFromNow(15));
      const before = await h.row(assetId);
      h.api.script(assetId, [redirectTo(status, `${elsewhere.origin}/v1/assets/${assetId}`)], 'get');

      const { summary, byAsset } = await h.run();

      expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', kind: 'unexpected-redirect', step: 'verify', httpStatus: status });
      expect(summary.failures.find((f) => f.assetId === assetId)?.error).toContain(`HTTP ${status}`);
      expect(elsewhere.requests).toEqual([]);
      expect(h.api.unlockRequests).toEqual([]);
      expect(await h.row(assetId)).toEqual(before);
    },
  );

  it('a redirect to the same origin is not followed either', async () => {
    const assetId = 'asset_redirectedHome';
    await h.seed([{ assetId, lockExpiresAt: minutesAgo(10) }]);
    h.api.script(assetId, [redirectTo(302, `/v1/assets/${assetId}`)], 'get');

    const { byAsset } = await h.run();

    expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', kind: 'unexpected-redirect', step: 'verify' });
    expect(h.api.requests.filter((r) => r.assetId === assetId)).toHaveLength(1);
  });

  it.each([301, 302, 303, 307, 308])(
    'a %i on the PUT: failed at unlock with unexpected-redirect, not counted as unlocked nor as a possible unlock; the row keeps its lock, no claim',
    async (status) => {
      const assetId = `asset_putRedirected${status}`;
      await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
      const before = await h.row(assetId);
      h.api.script(assetId, [redirectTo(status, `${elsewhere.origin}/v1/assets/${assetId}/unlock`)]);

      const { summary, byAsset } = await h.run();

      expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', kind: 'unexpected-redirect', step: 'unlock', httpStatus: status });
      expect(summary).toMatchObject({ unlocked: 0, failed: 1, possibleLiveLockUnlocks: 0, warnings: [] });
      expect(elsewhere.requests).toEqual([]);
      expect(h.api.unlockRequests).toHaveLength(1);
      expect(await h.row(assetId)).toEqual(before);
    },
  );

  it('the adapter: a redirected PUT is not possibly applied', async () => {
    const assetId = 'asset_adapterRedirect';
    h.api.addCanvas(assetId, { lockExpiresAt: minutesAgo(10) });
    h.api.script(assetId, [redirectTo(307, `${elsewhere.origin}/v1/assets/${assetId}/unlock`)]);

    const result = await h.lockApi.forceUnlock(assetId, { deadlineMs: Date.now() + 10_000 });

    expect(result).toEqual({
      ok: false,
      failure: expect.objectContaining({ kind: 'unexpected-redirect', status: 307, attempts: 1, possiblyApplied: false }),
    });
    expect(elsewhere.requests).toEqual([]);
  });
});

/**
 * A body that drips one byte every 0.5 s, with garbage collections forced all along (Node 20's AbortSignal.any holds
 * its sources weakly: a deadline signal only ky's combined signal refers to may be collected before it fires).
 */
describe('the request timeout bounds the body as well as the headers (issue 16 item 4)', () => {
  const REQUEST_TIMEOUT_MS = 1_200;
  let h: ReaperHarness;
  let collector: ReturnType<typeof setInterval> | undefined;
  beforeEach(async () => {
    h = await createReaperHarness({ requestTimeoutMs: REQUEST_TIMEOUT_MS, maxRetries: 1 });
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    collector = setInterval(gc, 50);
  });
  afterEach(async () => {
    clearInterval(collector);
    await h.close();
  });

  const drip = { drip: { intervalMs: 500 } };
  // Far past the attempts: only the request timeout can end them.
  const deadlineMs = () => Date.now() + 120_000;

  it('on the GET: each attempt ends at the request timeout (kind timeout), and the GET is retried as before', {
    timeout: 20_000,
  }, async () => {
    const assetId = 'asset_dripGet';
    h.api.addCanvas(assetId, { lockExpiresAt: minutesAgo(10) });
    h.api.script(assetId, [drip, drip], 'get');

    const result = await h.lockApi.readSourceLock(assetId, { deadlineMs: deadlineMs() });

    expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'timeout', attempts: 2, possiblyApplied: false }) });
    expect(h.api.requests.filter((r) => r.assetId === assetId)).toHaveLength(2);
  });

  it('on the PUT: a body timeout is possibly applied, and not sent again (its 2xx status says Scenario applied it)', {
    timeout: 20_000,
  }, async () => {
    const assetId = 'asset_dripPut';
    h.api.addCanvas(assetId, { lockExpiresAt: minutesAgo(10) });
    h.api.script(assetId, [drip, drip]);

    const result = await h.lockApi.forceUnlock(assetId, { deadlineMs: deadlineMs() });

    expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'timeout', attempts: 1, possiblyApplied: true }) });
    expect(h.api.unlockRequests.filter((r) => r.assetId === assetId)).toHaveLength(1);
  });

  it('an error answer whose body drips keeps its status: a 503 is retried as a 503', { timeout: 20_000 }, async () => {
    const assetId = 'asset_drip503';
    h.api.addCanvas(assetId, { lockExpiresAt: minutesAgo(10) });
    h.api.script(assetId, [{ drip: { intervalMs: 500, status: 503 } }], 'get');

    const result = await h.lockApi.readSourceLock(assetId, { deadlineMs: deadlineMs() });

    expect(result).toMatchObject({ ok: true, lockExpiresAt: { kind: 'string' }, attempts: 2 });
  });

  it('a run: a dripping unlock answer gets the doubt check (the row renewed meanwhile → a possible live-lock unlock)', {
    timeout: 20_000,
  }, async () => {
    const assetId = 'asset_dripRun';
    await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    const renewedUntil = minutesFromNow(10);
    h.api.script(assetId, [
      {
        // The writer renews its row while the answer drips.
        action: () => h.renewLock(assetId, renewedUntil, 'lk_new'),
        andThen: drip,
      },
    ]);

    const { summary, byAsset } = await h.run({ deadlineMs: deadlineMs() });

    expect(byAsset.get(assetId)).toMatchObject({ status: 'failed', kind: 'timeout', step: 'unlock' });
    expectOnePossibleLiveLockUnlock(summary, assetId, { currentLock: { lockExpiresAt: renewedUntil, lockId: 'lk_new' } });
  });
});
