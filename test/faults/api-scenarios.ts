import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ScriptedAnswer } from '#local/scenario-stand-in';
import { createScenarioLockApi } from '#reaper/adapters/scenario-lock-api';
import type { LockApi, LockApis } from '#reaper/core/ports';
import { type HarnessOptions, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';
import type { CaseIdOf } from './catalogue';
import type { Observed, Run } from './expectations';
import { FAST_API, harness, logOf, notUnlocked, type Resources, rowChange, stoppedAt, summaryEntryOf, verdictOf } from './fault-kit';

/**
 * The Scenario API misbehaving, at its socket: each scenario seeds one stale target canvas and two stale bystanders,
 * scripts the local stand-in's answers for the target, runs the real reaper (ky → HTTP → stand-in), and renders what
 * observes what happened as the catalogue's values.
 */

interface ApiFaultSetup {
  /** Names the canvases, so scenarios that run at the same time can tell their log lines apart. */
  name: string;
  answers: ScriptedAnswer[];
  harness?: HarnessOptions;
  /** Deadline of the run from its start (default 8 s). */
  budgetMs?: number;
  safetyMarginMs?: number;
  knownToApi?: boolean;
  /** Checks that the target's 2nd request came at least `minGapMs` after its 1st (the wait the server asked for). */
  minGapMs?: number | ((firstRequestAtMs: number) => number);
  /** Answers for the GETs that verify the target's lock at Scenario. */
  getAnswers?: ScriptedAnswer[];
  /** Set up the world before the run (e.g. a lock at Scenario the row does not show). */
  before?: (h: ReaperHarness, target: string) => Promise<void> | void;
  /** The target's Scenario project, and how the run's keys serve it (default: one key for every row). */
  project?: { id: string; key: 'refused' | 'none' };
}

async function apiFault(r: Resources, setup: ApiFaultSetup): Promise<Observed> {
  const TARGET = `asset_${setup.name}`;
  const BYSTANDERS = [`asset_${setup.name}_bystander1`, `asset_${setup.name}_bystander2`];
  const h = await harness(r, { ...setup.harness, ...(setup.project ? { standIn: { projects: { [setup.project.id]: {} } } } : {}) });
  const projectAttribute: Record<string, AttributeValue> = setup.project ? { projectId: { S: setup.project.id } } : {};
  await h.seed(
    [{ assetId: TARGET, lockExpiresAt: minutesAgo(10), lockId: 'lock-target', extra: { project: { S: 'p1' }, ...projectAttribute } }],
    {
      knownToApi: setup.knownToApi ?? true,
    },
  );
  if (setup.project) h.api.addCanvas(TARGET, { lockExpiresAt: minutesAgo(10), projectId: setup.project.id });
  await h.seed(BYSTANDERS.map((assetId) => ({ assetId, lockExpiresAt: minutesAgo(10) })));
  h.api.script(TARGET, setup.answers);
  if (setup.getAnswers) h.api.script(TARGET, setup.getAnswers, 'get');
  await setup.before?.(h, TARGET);
  const before = await h.row(TARGET);

  const result = await h.run({
    maxInFlight: 1,
    deadlineMs: Date.now() + (setup.budgetMs ?? 8_000),
    safetyMarginMs: setup.safetyMarginMs ?? 500,
    ...(setup.project ? { lockApis: projectKeys(h, setup.project) } : {}),
  });

  const after = await h.row(TARGET);
  const requests = h.api.unlockRequests.filter((request) => request.assetId === TARGET);
  // Requests that can free a lock (the unlocks); the GETs that verify it are not counted.
  let sentEarlyByMs: number | undefined;
  if (setup.minGapMs !== undefined && requests.length >= 2) {
    const minGap = typeof setup.minGapMs === 'number' ? setup.minGapMs : setup.minGapMs(requests[0]!.receivedAtMs);
    // Retry-After is honoured when the second request is not sent before the time the server asked for.
    sentEarlyByMs = Math.max(0, minGap - (requests[1]!.receivedAtMs - requests[0]!.receivedAtMs));
  }

  const { summary } = result;
  const run: Run = summary.cutShort
    ? stoppedAt(result, h, TARGET, BYSTANDERS)
    : { goesOn: true, othersNotUnlocked: notUnlocked(result, BYSTANDERS) };
  return {
    outcome: {
      canvas: verdictOf(result.byAsset.get(TARGET)),
      unlockRequests: requests.length,
      ...(sentEarlyByMs === undefined ? {} : { sentEarlyByMs }),
    },
    summary: summaryEntryOf(summary, TARGET),
    row: { row: rowChange(before, after) },
    run,
    log: logOf(result, TARGET),
  };
}

const httpDate = (ms: number) => new Date(ms).toUTCString();

/** Keys per project, as a studio's secret holds them: the default project's key, and the target project's (or none). */
function projectKeys(h: ReaperHarness, project: { id: string; key: 'refused' | 'none' }): LockApis {
  const apiWith = (credentials: { apiKey: string; apiSecret: string }) =>
    createScenarioLockApi({
      baseUrl: h.api.baseUrl,
      credentials,
      requestTimeoutMs: FAST_API.requestTimeoutMs,
      maxRetries: FAST_API.maxRetries,
      clock: h.clock,
    });
  // The bystanders' rows name no project: a key for the project "default" serves them, and no other project.
  const byProject = new Map<string, LockApi>([['default', apiWith({ apiKey: h.api.apiKey, apiSecret: h.api.apiSecret })]]);
  if (project.key === 'refused') byProject.set(project.id, apiWith({ apiKey: h.api.projectKey(project.id).apiKey, apiSecret: 'revoked' }));
  return { byProject };
}

/** Scenario's answer showing `lockExpiresAt` as `value`. */
const lockShownAs = (value: unknown) => (asset: Record<string, any>) => {
  asset.metadata.lockExpiresAt = value;
};
/** Where a redirect points: never followed, so nothing needs to listen there. */
const ELSEWHERE = 'http://127.0.0.1:9/v1/assets/elsewhere';
/** A 200 whose body arrives one byte every 0.5 s (the request timeout here is 300 ms). */
const DRIP = { drip: { intervalMs: 500 } } as const;

/** A writer renews the target's row (a new expiry and lockId), as it would while the unlock is at the API. */
const renewRow = (h: ReaperHarness, assetId: string) => () => h.renewLock(assetId, minutesFromNow(10), 'lock-renewed');

export const API_SCENARIOS: Record<CaseIdOf<'API'>, (r: Resources) => Promise<Observed>> = {
  'api-429-retry-after-seconds': (r) =>
    apiFault(r, { name: 'api_429_retry_after_seconds', answers: [{ status: 429, headers: { 'retry-after': '1' } }], minGapMs: 1_000 }),
  'api-429-retry-after-date': (r) => {
    // An HTTP-date has whole seconds: ask for the second after next; ky waits until that instant.
    const at = (Math.floor(Date.now() / 1000) + 2) * 1000;
    return apiFault(r, {
      name: 'api_429_retry_after_date',
      answers: [{ status: 429, headers: { 'retry-after': httpDate(at) } }],
      minGapMs: (first) => at - first - 5,
    });
  },
  'api-429-retry-after-huge-seconds': (r) =>
    apiFault(r, { name: 'api_429_retry_after_huge_seconds', answers: [{ status: 429, headers: { 'retry-after': '3600' } }] }),
  'api-429-retry-after-huge-date': (r) =>
    apiFault(r, {
      name: 'api_429_retry_after_huge_date',
      answers: [{ status: 429, headers: { 'retry-after': httpDate(Date.now() + 3_600_000) } }],
    }),
  'api-429-ratelimit-reset-huge': (r) =>
    apiFault(r, {
      name: 'api_429_ratelimit_reset_huge',
      answers: [{ status: 429, headers: { 'ratelimit-reset': '3600' } }],
      budgetMs: 4_000,
    }),
  'api-429-retry-after-garbage': (r) =>
    apiFault(r, { name: 'api_429_retry_after_garbage', answers: [{ status: 429, headers: { 'retry-after': 'soon' } }], budgetMs: 4_000 }),
  'api-429-no-retry-after-persistent': (r) =>
    apiFault(r, { name: 'api_429_no_retry_after_persistent', answers: [{ status: 429 }, { status: 429 }, { status: 429 }] }),
  'api-429-no-retry-after-once': (r) => apiFault(r, { name: 'api_429_no_retry_after_once', answers: [{ status: 429 }] }),
  'api-503-retry-after': (r) =>
    apiFault(r, { name: 'api_503_retry_after', answers: [{ status: 503, headers: { 'retry-after': '1' } }], minGapMs: 1_000 }),
  'api-500-persistent': (r) => apiFault(r, { name: 'api_500_persistent', answers: [{ status: 500 }, { status: 500 }, { status: 500 }] }),
  'api-502-persistent': (r) => apiFault(r, { name: 'api_502_persistent', answers: [{ status: 502 }, { status: 502 }, { status: 502 }] }),
  'api-503-persistent': (r) => apiFault(r, { name: 'api_503_persistent', answers: [{ status: 503 }, { status: 503 }, { status: 503 }] }),
  'api-504-persistent': (r) => apiFault(r, { name: 'api_504_persistent', answers: [{ status: 504 }, { status: 504 }, { status: 504 }] }),
  'api-502-once': (r) => apiFault(r, { name: 'api_502_once', answers: [{ status: 502 }] }),
  'api-hang-persistent': (r) => apiFault(r, { name: 'api_hang_persistent', answers: [{ hang: true }, { hang: true }, { hang: true }] }),
  'api-hang-once': (r) => apiFault(r, { name: 'api_hang_once', answers: [{ hang: true }] }),
  'api-hang-past-deadline': (r) =>
    apiFault(r, {
      name: 'api_hang_past_deadline',
      answers: [{ hang: true }],
      harness: { requestTimeoutMs: 5_000 },
      budgetMs: 1_500,
      safetyMarginMs: 200,
    }),
  'api-reset-mid-response': (r) => apiFault(r, { name: 'api_reset_mid_response', answers: [{ reset: true }] }),
  'api-connection-refused-once': (r) => apiFault(r, { name: 'api_connection_refused_once', answers: [{ destroy: true }] }),
  'api-connection-reset-persistent': (r) =>
    apiFault(r, { name: 'api_connection_reset_persistent', answers: [{ destroy: true }, { destroy: true }, { destroy: true }] }),
  'api-200-not-json': (r) =>
    apiFault(r, {
      name: 'api_200_not_json',
      answers: [{ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' }],
    }),
  'api-200-other-asset': (r) =>
    apiFault(r, {
      name: 'api_200_other_asset',
      answers: [{ status: 200, body: { asset: { id: 'asset_someoneElse', url: 'https://cdn.example/x?X-Amz-Signature=abc' } } }],
    }),
  'api-200-no-asset': (r) => apiFault(r, { name: 'api_200_no_asset', answers: [{ status: 200, body: { ok: true } }] }),
  'api-400': (r) => apiFault(r, { name: 'api_400', answers: [{ status: 400, body: { message: 'Invalid lockId' } }] }),
  'api-400-echoing-credentials': (r) => apiFault(r, { name: 'api_400_echoing_credentials', answers: [{ status: 400, echoRequest: true }] }),
  'api-401': (r) => apiFault(r, { name: 'api_401', answers: [{ status: 401, body: { message: 'Unauthorized' } }] }),
  'api-403': (r) => apiFault(r, { name: 'api_403', answers: [{ status: 403, body: { message: 'Forbidden' } }] }),
  'api-404': (r) => apiFault(r, { name: 'api_404', answers: [], knownToApi: false }),
  'api-renewed-at-source': (r) =>
    apiFault(r, { name: 'api_renewed_at_source', answers: [], before: (h, target) => void h.api.lock(target, minutesFromNow(15)) }),
  'api-get-503-persistent': (r) =>
    apiFault(r, { name: 'api_get_503_persistent', answers: [], getAnswers: [{ status: 503 }, { status: 503 }, { status: 503 }] }),
  'api-get-hang-persistent': (r) =>
    apiFault(r, { name: 'api_get_hang_persistent', answers: [], getAnswers: [{ hang: true }, { hang: true }, { hang: true }] }),
  'api-apply-then-504-renewed': (r) =>
    apiFault(r, {
      name: 'api_apply_then_504_renewed',
      answers: [],
      before: (h, target) => h.api.script(target, [{ action: renewRow(h, target), andThen: { applyThen: { status: 504 } } }]),
    }),
  'api-apply-then-hang': (r) => apiFault(r, { name: 'api_apply_then_hang', answers: [{ applyThen: 'hang' }] }),
  'api-apply-then-reset-newcomer': (r) =>
    apiFault(r, {
      name: 'api_apply_then_reset_newcomer',
      answers: [{ applyThen: 'reset' }],
      // The first GET verifies the stale lock; before the retry's GET, a newcomer has locked the canvas at Scenario.
      before: (h, target) => h.api.script(target, [{ ok: true }, { action: () => void h.api.lock(target, minutesFromNow(20)) }], 'get'),
    }),
  'api-get-lock-no-zone': (r) =>
    apiFault(r, { name: 'api_get_lock_no_zone', answers: [], getAnswers: [{ reshape: lockShownAs('2099-01-01T00:00:00') }] }),
  'api-get-lock-number': (r) =>
    apiFault(r, { name: 'api_get_lock_number', answers: [], getAnswers: [{ reshape: lockShownAs(4102444800000) }] }),
  'api-get-metadata-absent': (r) =>
    apiFault(r, { name: 'api_get_metadata_absent', answers: [], getAnswers: [{ reshape: (asset) => void delete asset.metadata }] }),
  'api-get-redirect': (r) =>
    apiFault(r, { name: 'api_get_redirect', answers: [], getAnswers: [{ status: 302, headers: { location: ELSEWHERE } }] }),
  'api-put-redirect': (r) => apiFault(r, { name: 'api_put_redirect', answers: [{ status: 307, headers: { location: ELSEWHERE } }] }),
  'api-get-body-drip': (r) => apiFault(r, { name: 'api_get_body_drip', answers: [], getAnswers: [DRIP, DRIP, DRIP] }),
  'api-put-body-drip': (r) => apiFault(r, { name: 'api_put_body_drip', answers: [DRIP] }),
  'api-project-key-refused': (r) =>
    apiFault(r, { name: 'api_project_key_refused', answers: [], project: { id: 'proj_target', key: 'refused' } }),
  'api-project-no-key': (r) => apiFault(r, { name: 'api_project_no_key', answers: [], project: { id: 'proj_target', key: 'none' } }),
};
