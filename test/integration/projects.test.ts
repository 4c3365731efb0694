import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startScenarioStandIn } from '#local/scenario-stand-in';
import { getRow, putRow } from '#local/tracked-canvas-table';
import type { RunSummary } from '#reaper/core/summary';
import { createHandler, ReapRunError } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { useHandlerWorld } from '#test-support/handler-world';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo } from '#test-support/reaper-harness';

/**
 * Issue 12: one deployed reaper (the real handler, its secret in a local Secrets Manager) for several Scenario
 * projects, each with its own key, against a Scenario stand-in whose keys each belong to one project.
 */
/**
 * The slow project's latency. The fairness check orders the fine project's five canvases (each a claim, a GET, a PUT
 * and a row update on loopback) before the slow project's second request: under a loaded CI machine running test files
 * in parallel, 1.5 s was once not room enough for those twenty local round trips, so the margin is wider.
 */
const SLOW_MS = 3_000;
const context = () => ({ awsRequestId: `req-${randomUUID()}`, getRemainingTimeInMillis: () => 60_000 });

const world = useHandlerWorld('projects', {
  standIn: { projects: { proj_fine: {}, proj_slow: { latencyMs: SLOW_MS }, proj_refused: {} } },
  pairSecret: false,
});

const handlerWith = (env: Record<string, string> = {}) =>
  createHandler({
    env: { ...process.env, [ENV.tableName]: world.tableName, [ENV.apiBaseUrl]: world.api.baseUrl, [ENV.secretId]: world.secretId, ...env },
  });

async function seed(project: string | undefined, count: number, prefix = project ?? 'default') {
  const ids = Array.from({ length: count }, (_, i) => `asset_${prefix}${i}`);
  for (const assetId of ids) {
    const lockExpiresAt = minutesAgo(600);
    await putRow(world.dynamo, world.tableName, { assetId, lockExpiresAt, ...(project ? { extra: { projectId: { S: project } } } : {}) });
    world.api.addCanvas(assetId, { lockExpiresAt, ...(project ? { projectId: project } : {}) });
  }
  return ids;
}

async function invoke(handler: ReturnType<typeof createHandler>, event: unknown = {}) {
  const { result, lines } = await captureOutput(() =>
    handler(event, context()).then(
      (summary) => ({ summary, error: undefined }),
      (error: unknown) => ({ summary: (error as ReapRunError).summary, error }),
    ),
  );
  return { summary: result.summary as RunSummary, error: result.error, lines };
}

describe('one reaper for many Scenario projects', () => {
  it('serves three projects in one run: one key refused, one project slow, one fine; each canvas ends as its own key decided', async () => {
    const fine = await seed('proj_fine', 5);
    const slow = await seed('proj_slow', 2);
    const refused = await seed('proj_refused', 3);
    world.secrets.setSecret(
      world.secretId,
      JSON.stringify({
        projects: {
          proj_fine: world.api.projectKey('proj_fine'),
          proj_slow: world.api.projectKey('proj_slow'),
          proj_refused: { apiKey: world.api.projectKey('proj_refused').apiKey, apiSecret: 'revoked-secret' },
        },
      }),
    );

    // Two requests in flight: one project may hold one of them, so the slow one cannot take both.
    const { summary, error, lines } = await invoke(handlerWith({ [ENV.maxInFlight]: '2' }));

    // The invocation fails (a project was refused), with the summary of what was done.
    expect(error).toBeInstanceOf(ReapRunError);
    expect((error as Error).message).toContain('proj_refused');
    expect(summary).toMatchObject({ unlocked: 7, failed: 1, stopReason: null, refusedProjects: ['proj_refused'] });
    expect(summary.projects).toEqual({
      proj_fine: { examined: 5, stale: 5, unlocked: 5, failed: 0, refused: false },
      proj_slow: { examined: 2, stale: 2, unlocked: 2, failed: 0, refused: false },
      proj_refused: { examined: 3, stale: 3, unlocked: 0, failed: 1, refused: true },
    });
    expect(summary.skipped.projectRefused).toBe(2);
    for (const id of [...fine, ...slow]) expect((await getRow(world.dynamo, world.tableName, id))?.lockExpiresAt).toBeUndefined();
    for (const id of refused) expect((await getRow(world.dynamo, world.tableName, id))?.lockExpiresAt).toBeDefined();
    // Only one request with the refused key: its project stopped at the first 401.
    expect(world.api.requests.filter((r) => !r.authorized)).toHaveLength(1);

    // Fair share, shown by ordering: the fine project's canvases were all unlocked before the slow project's second request.
    const slowRequests = world.api.requests.filter((r) => slow.includes(r.assetId ?? ''));
    const lastFineUnlock = Math.max(...world.api.unlockLog.filter((u) => fine.includes(u.assetId)).map((u) => u.atMs));
    expect(lastFineUnlock).toBeLessThan(slowRequests[1]!.receivedAtMs);

    // The metrics: the service-level series, and unlocked/failed per project named in the secret.
    const emf = lines.filter((line) => line._aws);
    expect(emf.find((line) => !line.Project)).toMatchObject({ LocksUnlocked: 7, UnlockFailures: 1 });
    expect(
      emf
        .filter((line) => line.Project)
        .map((line) => [line.Project, line.LocksUnlocked, line.UnlockFailures])
        .sort(),
    ).toEqual([
      ['proj_fine', 5, 0],
      ['proj_refused', 0, 1],
      ['proj_slow', 2, 0],
    ]);
    // The logs: the refused project's canvas failed with credentials-rejected, the rest skipped project-refused.
    expect(
      lines
        .filter((line) => line.reason === 'project-refused')
        .map((line) => line.assetId)
        .sort(),
    ).toEqual(refused.filter((id) => lines.some((line) => line.assetId === id && line.reason === 'project-refused')).sort());
    expect(lines.some((line) => line.kind === 'credentials-rejected' && refused.includes(line.assetId))).toBe(true);
  }, 30_000);

  it('a row of a project with no key and no default fails as no-credentials-for-project and is left untouched; a default pair serves the rest', async () => {
    const [orphan] = await seed('proj_unknown', 1);
    const defaults = await seed(undefined, 2);
    world.secrets.setSecret(world.secretId, JSON.stringify({ projects: { proj_fine: world.api.projectKey('proj_fine') } }));

    const first = await invoke(handlerWith());
    // No default pair: neither the orphan nor the rows without projectId have a key; the run goes on without them.
    expect(first.summary.failures.map((f) => [f.assetId, f.kind]).sort()).toEqual(
      [orphan!, ...defaults].map((id) => [id, 'no-credentials-for-project']).sort(),
    );
    expect(first.summary.stopReason).toBeNull();
    expect(world.api.requests).toEqual([]);
    expect((await getRow(world.dynamo, world.tableName, orphan!))?.reaperClaimRunId).toBeUndefined();

    // With a default pair, rows without projectId use it (the orphan too: its project has no key of its own).
    world.secrets.setSecret(
      world.secretId,
      JSON.stringify({ projects: { proj_fine: world.api.projectKey('proj_fine') }, default: world.api.projectKey('default') }),
    );
    const second = await invoke(
      createHandler({
        env: { ...process.env, [ENV.tableName]: world.tableName, [ENV.apiBaseUrl]: world.api.baseUrl, [ENV.secretId]: world.secretId },
      }),
    );
    for (const id of defaults) expect((await getRow(world.dynamo, world.tableName, id))?.lockExpiresAt).toBeUndefined();
    // The default key does not belong to proj_unknown: Scenario refuses it there, and that refusal stops only "default".
    expect(second.summary.projects.proj_unknown).toMatchObject({ failed: 1 });
  });

  it('with every project refused, the run stops as credentials-rejected', async () => {
    await seed('proj_fine', 2);
    await seed('proj_slow', 2);
    world.secrets.setSecret(
      world.secretId,
      JSON.stringify({ projects: { proj_fine: { apiKey: 'x', apiSecret: 'y' }, proj_slow: { apiKey: 'x', apiSecret: 'z' } } }),
    );

    const { summary, error } = await invoke(handlerWith({ [ENV.maxInFlight]: '1' }));

    expect(error).toBeInstanceOf(ReapRunError);
    expect(summary).toMatchObject({
      stopReason: 'credentials-rejected',
      refusedProjects: expect.arrayContaining(['proj_fine', 'proj_slow']),
    });
  });

  it('a manual run may be limited to some projects', async () => {
    await seed('proj_fine', 2);
    const slow = await seed('proj_slow', 1);
    world.secrets.setSecret(
      world.secretId,
      JSON.stringify({ projects: { proj_fine: world.api.projectKey('proj_fine'), proj_slow: world.api.projectKey('proj_slow') } }),
    );

    const { summary } = await invoke(handlerWith(), { projectIds: ['proj_fine'] });

    expect(summary).toMatchObject({ examined: 2, unlocked: 2, projectIds: ['proj_fine'] });
    expect((await getRow(world.dynamo, world.tableName, slow[0]!))?.lockExpiresAt).toBeDefined();
  });

  it('a row whose projectId is not a project id is invalid and untouched', async () => {
    await putRow(world.dynamo, world.tableName, {
      assetId: 'asset_badProject',
      lockExpiresAt: minutesAgo(600),
      extra: { projectId: { S: 'proj a/b' } },
    });
    world.secrets.setSecret(world.secretId, JSON.stringify(world.api.projectKey('default')));

    const { summary } = await invoke(handlerWith());

    expect(summary.invalidRows).toEqual([
      { assetId: 'asset_badProject', problem: expect.stringContaining('projectId is not 1-128 letters') },
    ]);
    expect(world.api.requests).toEqual([]);
  });
});

/**
 * Issue 16 item 5: project ids from rows and secrets are data, never property names. `__proto__`, `constructor` and
 * `prototype` are refused by name; `toString` and `hasOwnProperty` are ordinary projects; nothing a row or a secret
 * names changes Object.prototype, and the metrics step does not throw.
 */
describe('project ids are data', () => {
  const prototypeNow = () => Object.getOwnPropertyNames(Object.prototype).map((name) => [name, typeof Reflect.get(Object.prototype, name)]);

  it('rows naming __proto__, constructor or prototype are invalid; toString and hasOwnProperty are served; Object.prototype is unchanged', async () => {
    const prototypeBefore = prototypeNow();
    await world.api.close();
    world.api = await startScenarioStandIn({ projects: { toString: {}, hasOwnProperty: {} } });
    const toStringRows = await seed('toString', 2);
    const hasOwnRows = await seed('hasOwnProperty', 1);
    for (const reserved of ['__proto__', 'constructor', 'prototype'])
      await putRow(world.dynamo, world.tableName, {
        assetId: `asset_reserved_${reserved.replace(/_/g, '')}`,
        lockExpiresAt: minutesAgo(600),
        extra: { projectId: { S: reserved } },
      });
    world.secrets.setSecret(
      world.secretId,
      JSON.stringify({ projects: { toString: world.api.projectKey('toString'), hasOwnProperty: world.api.projectKey('hasOwnProperty') } }),
    );

    const { summary, error, lines } = await invoke(handlerWith());

    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ unlocked: 3, failed: 0, stopReason: null, refusedProjects: [] });
    expect(summary.invalidRows.map((row) => row.problem).sort()).toEqual([
      expect.stringContaining('projectId "__proto__" is reserved'),
      expect.stringContaining('projectId "constructor" is reserved'),
      expect.stringContaining('projectId "prototype" is reserved'),
    ]);
    expect(JSON.parse(JSON.stringify(summary.projects))).toEqual({
      toString: { examined: 2, stale: 2, unlocked: 2, failed: 0, refused: false },
      hasOwnProperty: { examined: 1, stale: 1, unlocked: 1, failed: 0, refused: false },
    });
    for (const id of [...toStringRows, ...hasOwnRows])
      expect((await getRow(world.dynamo, world.tableName, id))?.lockExpiresAt).toBeUndefined();
    // The metrics step ran: per-project series for both projects of the secret.
    const perProject = lines.filter((line) => line._aws && line.Project).map((line) => [line.Project, line.LocksUnlocked]);
    expect(perProject.sort()).toEqual([
      ['hasOwnProperty', 1],
      ['toString', 2],
    ]);
    expect(prototypeNow()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).refused).toBeUndefined();
  });

  it('a secret naming a project constructor, __proto__ or prototype is refused by path; nothing is done', async () => {
    const prototypeBefore = prototypeNow();
    const rows = await seed('proj_fine', 1);
    for (const reserved of ['constructor', '__proto__', 'prototype']) {
      world.secrets.setSecret(
        world.secretId,
        `{"projects":{"proj_fine":${JSON.stringify(world.api.projectKey('proj_fine'))},"${reserved}":{"apiKey":"k","apiSecret":"s"}}}`,
      );
      const { error } = await invoke(handlerWith());
      expect((error as Error).message).toContain(`projects["${reserved}"] projectId "${reserved}" is reserved`);
    }
    expect(world.api.requests).toEqual([]);
    expect((await getRow(world.dynamo, world.tableName, rows[0]!))?.lockExpiresAt).toBeDefined();
    expect(prototypeNow()).toEqual(prototypeBefore);
  });
});

/** Issue 16 item 3: a 403 is one asset's problem; a key is refused after two (or a 401); only a refusal drops the cached secret. */
describe('a 403 is one asset’s problem', () => {
  it('one canvas answering 403 fails as forbidden, the others are unlocked, the invocation succeeds and keeps its cached secret', async () => {
    const ours = await seed(undefined, 3);
    // A canvas of another project: the default key gets a 403 for it.
    const [foreign] = await seed('proj_fine', 1);
    world.secrets.setSecret(world.secretId, JSON.stringify(world.api.projectKey('default')));
    const handler = handlerWith({ [ENV.maxInFlight]: '1' });

    const { summary, error } = await invoke(handler);

    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ unlocked: 3, failed: 1, stopReason: null, refusedProjects: [] });
    expect(summary.failures).toEqual([expect.objectContaining({ assetId: foreign, kind: 'forbidden', httpStatus: 403 })]);
    for (const id of ours) expect((await getRow(world.dynamo, world.tableName, id))?.lockExpiresAt).toBeUndefined();
    // The secret is still cached (a 403 refuses no key): the next invocation does not read it again.
    expect(world.secrets.reads(world.secretId)).toBe(1);
    await seed(undefined, 1, 'later');
    const second = await invoke(handler);
    expect(second.error).toBeUndefined();
    expect(second.summary.failures.map((f) => f.kind)).toEqual(['forbidden']);
    expect(world.secrets.reads(world.secretId)).toBe(1);
  });
});
