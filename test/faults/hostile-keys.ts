import type { CanvasOutcome } from '#reaper/core/outcome';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo } from '#test-support/reaper-harness';
import type { Observed, Verdict } from './expectations';
import { deployedHandler, harness, logOf, notUnlocked, type Resources, rowChange, stoppedAt, summaryEntryOf, verdictOf } from './fault-kit';

/**
 * Keys and names from the secret: a 403 is one asset's problem until two assets answer it to the same method with
 * no success (issue 16 item 3); a 404 is recorded only beside a 2xx of the same key (item 8); a secret naming a
 * project after a property every object has is refused (item 5).
 */

const stale = () => minutesAgo(30);

/**
 * One target among stale others, tried one at a time: the target's verdict and requests, and whether the run went on
 * past it (the others not unlocked) or stopped there.
 */
async function oneTargetAmongOthers(
  r: Resources,
  target: string,
  others: string[],
  arrange: (h: Awaited<ReturnType<typeof harness>>) => Promise<void>,
): Promise<Observed> {
  const h = await harness(r);
  await arrange(h);
  const before = await h.row(target);
  const result = await h.run({ maxInFlight: 1 });
  return {
    outcome: {
      canvas: verdictOf(result.byAsset.get(target)),
      unlockRequests: h.api.unlockRequests.filter((request) => request.assetId === target).length,
    },
    summary: summaryEntryOf(result.summary, target),
    row: { row: rowChange(before, await h.row(target)) },
    run: result.summary.cutShort ? stoppedAt(result, h, target, others) : { goesOn: true, othersNotUnlocked: notUnlocked(result, others) },
    log: logOf(result, target),
  };
}

/** One target and two stale bystanders; the target's unlock answers 403, the bystanders' unlocks succeed. */
function forbiddenOneAsset(r: Resources): Promise<Observed> {
  const target = 'asset_key_forbidden_one';
  const bystanders = ['asset_key_forbidden_one_b1', 'asset_key_forbidden_one_b2'];
  return oneTargetAmongOthers(r, target, bystanders, async (h) => {
    await h.seed([target, ...bystanders].map((assetId) => ({ assetId, lockExpiresAt: stale() })));
    h.api.script(target, [{ status: 403, body: { message: 'Forbidden' } }]);
  });
}

/** Three stale canvases whose unlocks all answer 403, one at a time: named first, second, third in the order tried. */
async function forbiddenTwoAssets(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const ids = ['asset_key_forbidden_a', 'asset_key_forbidden_b', 'asset_key_forbidden_c'];
  await h.seed(ids.map((assetId) => ({ assetId, lockExpiresAt: stale() })));
  for (const id of ids) h.api.script(id, [{ status: 403, body: { message: 'Forbidden' } }]);
  const before = await Promise.all(ids.map((id) => h.row(id)));
  const result = await h.run({ maxInFlight: 1 });

  // The order the canvases were tried in: their first request to the API; one never tried comes last.
  const firstRequest = (id: string) => {
    const index = h.api.requests.findIndex((request) => request.assetId === id);
    return index < 0 ? Number.POSITIVE_INFINITY : index;
  };
  const ordered = [...ids].sort((a, b) => firstRequest(a) - firstRequest(b));
  const verdict = (id: string | undefined): Verdict => verdictOf(id === undefined ? undefined : (result.byAsset.get(id) as CanvasOutcome));
  const second = ordered[1] ?? '';
  const after = await Promise.all(ids.map((id) => h.row(id)));
  const changes = after.map((row, i) => rowChange(before[i], row));
  return {
    outcome: { verdicts: { first: verdict(ordered[0]), second: verdict(ordered[1]), third: verdict(ordered[2]) } },
    summary: {
      counts: {
        examined: result.summary.examined,
        stale: result.summary.stale,
        unlocked: result.summary.unlocked,
        failed: result.summary.failed,
        skipped: Object.fromEntries(Object.entries(result.summary.skipped).filter(([, n]) => n > 0)),
        ...(result.summary.stopReason ? { cutShort: result.summary.stopReason } : {}),
      },
    },
    row: { rows: { freed: changes.filter((c) => c === 'freed').length, unchanged: changes.filter((c) => c === 'kept').length } },
    run: stoppedAt(result, h, second, ordered.slice(2)),
    log: logOf(result, second),
  };
}

/** Every stale canvas unknown at the (wrong) base URL: three 404s, below the suspect-base-url count, and no 2xx. */
function notFoundWithoutSuccess(r: Resources): Promise<Observed> {
  const target = 'asset_nf_no_success';
  const others = ['asset_nf_no_success_b1', 'asset_nf_no_success_b2'];
  return oneTargetAmongOthers(r, target, others, (h) =>
    h.seed(
      [target, ...others].map((assetId) => ({ assetId, lockExpiresAt: stale() })),
      { knownToApi: false },
    ),
  );
}

/** The real handler with a secret that names a project `constructor`: refused whole, nothing done. */
async function secretNamingConstructor(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const target = 'asset_secret_constructor';
  await h.seed([{ assetId: target, lockExpiresAt: stale() }]);
  const before = await h.row(target);
  const pair = JSON.stringify({ apiKey: h.api.apiKey, apiSecret: h.api.apiSecret });
  const { handler, secretReads } = await deployedHandler(
    r,
    h,
    {},
    { secretString: `{"projects":{"constructor":${pair}},"default":${pair}}` },
  );
  const { result, lines } = await captureOutput(() =>
    handler({}, { awsRequestId: 'req-secret-constructor', getRemainingTimeInMillis: () => 20_000 }).then(
      () => ({ error: undefined }),
      (error: unknown) => ({ error }),
    ),
  );
  const error = result.error instanceof Error ? result.error : undefined;
  return {
    outcome: { thrown: error?.name ?? 'nothing' },
    summary: error ? { invocationFails: true } : {},
    row: { row: rowChange(before, await h.row(target)) },
    run: { nothingDone: { secretReads: secretReads(), apiRequests: h.api.requests.length } },
    log: {
      lines: lines
        .filter(
          (line) =>
            line.level === 'ERROR' && String(line.error ?? '').includes('projects["constructor"] projectId "constructor" is reserved'),
        )
        .map((line) => ({ level: 'error' as const, message: String(line.message) })),
    },
  };
}

export const HOSTILE_KEY_SCENARIOS = {
  'secret-project-reserved': secretNamingConstructor,
  'key-forbidden-one-asset': forbiddenOneAsset,
  'key-forbidden-two-assets': forbiddenTwoAssets,
  'not-found-without-success': notFoundWithoutSuccess,
} as const;
