import { Tracer } from '@aws-lambda-powertools/tracer';
import { describe, expect, it } from 'vitest';
import {
  type AnnotationValue,
  NO_SPANS,
  powertoolsSpans,
  SPAN_NAMES,
  type Spans,
  tracedCanvasStore,
  tracedLockApi,
} from '#reaper/adapters/tracing';
import type { CanvasStore, LockApi, SourceLockResult, UnlockResult } from '#reaper/core/ports';
import type { TrackedCanvas } from '#reaper/core/tracked-canvas';
import { spanTree, tracingTracer, withinSegment } from '#test-support/x-ray';

/** Spans recorded in the order they opened, with their annotations and whether their work has finished. */
function recordingSpans() {
  const opened: { name: string; annotations: Record<string, AnnotationValue>; finished: boolean }[] = [];
  const spans: Spans = {
    async inSpan(name, work) {
      const record = { name, annotations: {} as Record<string, AnnotationValue>, finished: false };
      opened.push(record);
      try {
        return await work({ annotate: (key, value) => (record.annotations[key] = value) });
      } finally {
        record.finished = true;
      }
    },
  };
  return { spans, opened };
}

const canvas = (assetId: string) => ({ assetId }) as unknown as TrackedCanvas;

/** A store whose every method records its call; pages() yields the given pages. */
function fakeStore(pages: TrackedCanvas[][]) {
  const calls: { method: string; args: unknown[] }[] = [];
  let iterationFinished = false;
  const record =
    (method: string, result: unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      return result;
    };
  async function* yieldPages() {
    try {
      for (const page of pages) yield page;
    } finally {
      iterationFinished = true;
    }
  }
  const store: CanvasStore = {
    pages: () => yieldPages(),
    pagesOf: (assetIds) => {
      calls.push({ method: 'pagesOf', args: [assetIds] });
      return yieldPages();
    },
    claim: record('claim', 'claimed') as CanvasStore['claim'],
    check: record('check', { kind: 'held' }) as CanvasStore['check'],
    healFromSource: record('healFromSource', 'healed') as CanvasStore['healFromSource'],
    markUnlocked: record('markUnlocked', 'updated') as CanvasStore['markUnlocked'],
    markNotFound: record('markNotFound', undefined) as CanvasStore['markNotFound'],
    releaseClaim: record('releaseClaim', undefined) as CanvasStore['releaseClaim'],
    readBrake: record('readBrake', undefined) as CanvasStore['readBrake'],
    engageBrake: record('engageBrake', undefined) as CanvasStore['engageBrake'],
    releaseBrake: record('releaseBrake', undefined) as CanvasStore['releaseBrake'],
    advanceMarks: record('advanceMarks', undefined) as CanvasStore['advanceMarks'],
  };
  return { store, calls, iterationFinished: () => iterationFinished };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('the traced canvas store', () => {
  it('reads each page of the Scan in its own span, annotated with its size, and yields the pages unchanged', async () => {
    const pages = [[canvas('asset_a'), canvas('asset_b')], [canvas('asset_c')]];
    const { store } = fakeStore(pages);
    const { spans, opened } = recordingSpans();
    const read = await collect(tracedCanvasStore(store, spans).pages());
    expect(read).toEqual(pages);
    expect(read[0]).toBe(pages[0]);
    // The last span is the read that finds no further page.
    expect(opened).toEqual([
      { name: SPAN_NAMES.scanPage, annotations: { canvases: 2 }, finished: true },
      { name: SPAN_NAMES.scanPage, annotations: { canvases: 1 }, finished: true },
      { name: SPAN_NAMES.scanPage, annotations: { canvases: 0 }, finished: true },
    ]);
  });

  it('names the pages of a run over named assets after BatchGetItem, passing the ids through', async () => {
    const { store, calls } = fakeStore([[canvas('asset_a')]]);
    const { spans, opened } = recordingSpans();
    await collect(tracedCanvasStore(store, spans).pagesOf(['asset_a', 'asset_z']));
    expect(calls).toEqual([{ method: 'pagesOf', args: [['asset_a', 'asset_z']] }]);
    expect(opened.map((span) => span.name)).toEqual([SPAN_NAMES.namedAssetsPage, SPAN_NAMES.namedAssetsPage]);
  });

  it('lets the store finish its iteration when the run stops reading early', async () => {
    const { store, iterationFinished } = fakeStore([[canvas('asset_a')], [canvas('asset_b')]]);
    for await (const page of tracedCanvasStore(store, NO_SPANS).pages()) {
      expect(page).toHaveLength(1);
      break;
    }
    expect(iterationFinished()).toBe(true);
  });

  it('passes every other call through unchanged, arguments and answer', async () => {
    const { store, calls } = fakeStore([]);
    const traced = tracedCanvasStore(store, NO_SPANS);
    const target = canvas('asset_a');
    const claim = { runId: 'run-1', untilMs: 2, nowMs: 1 };
    expect(await traced.claim(target, claim)).toBe('claimed');
    expect(await traced.check(target, 'run-1')).toEqual({ kind: 'held' });
    expect(await traced.healFromSource(target, { runId: 'run-1', lockExpiresAt: 'x', healedAtMs: 3 })).toBe('healed');
    expect(await traced.markUnlocked(target, { runId: 'run-1', unlockedAtMs: 4 })).toBe('updated');
    await traced.markNotFound(target, { atMs: 5 });
    await traced.releaseClaim(target, 'run-1');
    await traced.readBrake();
    await traced.releaseBrake({ runId: 'run-1', releasedAtMs: 6, projects: {}, legacy: false });
    expect(calls.map((call) => call.method)).toEqual([
      'claim',
      'check',
      'healFromSource',
      'markUnlocked',
      'markNotFound',
      'releaseClaim',
      'readBrake',
      'releaseBrake',
    ]);
    expect(calls[0]!.args).toEqual([target, claim]);
  });
});

describe('the traced lock API', () => {
  const verified: SourceLockResult = { ok: true, lockExpiresAt: { kind: 'absent' } as never, attempts: 1 };
  const refused: UnlockResult = {
    ok: false,
    failure: { kind: 'server-error', status: 503, message: 'HTTP 503', attempts: 4, possiblyApplied: true },
  };
  const api: LockApi = { readSourceLock: async () => verified, forceUnlock: async () => refused };

  it('puts each GET and each PUT in its own span, annotated with the asset and the outcome, and returns the answer unchanged', async () => {
    const { spans, opened } = recordingSpans();
    const traced = tracedLockApi(api, spans);
    expect(await traced.readSourceLock('asset_a', { deadlineMs: 1 })).toBe(verified);
    expect(await traced.forceUnlock('asset_a', { deadlineMs: 1 })).toBe(refused);
    expect(opened).toEqual([
      { name: SPAN_NAMES.verify, annotations: { assetId: 'asset_a', outcome: 'ok', attempts: 1 }, finished: true },
      {
        name: SPAN_NAMES.unlock,
        annotations: { assetId: 'asset_a', outcome: 'server-error', attempts: 4, httpStatus: 503, possiblyApplied: true },
        finished: true,
      },
    ]);
  });

  it('hands the retry question to the real API untouched', async () => {
    let asked: unknown;
    const forceUnlock: typeof api.forceUnlock = async (_id, options) => {
      asked = options.mayRetry;
      return refused;
    };
    const traced = tracedLockApi({ ...api, forceUnlock }, NO_SPANS);
    const mayRetry = async () => ({ retry: true }) as const;
    await traced.forceUnlock('asset_a', { deadlineMs: 1, mayRetry });
    expect(asked).toBe(mayRetry);
  });
});

describe('spans through Powertools Tracer', () => {
  it('are no spans at all when the tracer is disabled, as everywhere outside Lambda', () => {
    expect(new Tracer({ serviceName: 'tracing-test' }).isTracingEnabled()).toBe(false);
    expect(powertoolsSpans(new Tracer({ serviceName: 'tracing-test' }))).toBe(NO_SPANS);
  });

  it('become closed X-Ray subsegments with their annotations; concurrent spans are siblings, not nested', async () => {
    const tracer = tracingTracer();
    const spans = powertoolsSpans(tracer);
    expect(spans).not.toBe(NO_SPANS);
    let releaseFirst!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (releaseFirst = resolve));
    const { result, segment } = await withinSegment(tracer, () =>
      spans.inSpan('### run', async (run) => {
        run.annotate('runId', 'run-1');
        return Promise.all([
          spans.inSpan('### first', async (span) => {
            span.annotate('assetId', 'asset_a');
            await firstMayEnd; // still open while the second one opens and closes
            return 'a';
          }),
          spans.inSpan('### second', async (span) => {
            span.annotate('assetId', 'asset_b');
            releaseFirst();
            return 'b';
          }),
        ]);
      }),
    );
    expect(result).toEqual(['a', 'b']);
    expect(spanTree(segment)).toEqual([
      {
        name: '### run',
        annotations: { runId: 'run-1' },
        closed: true,
        error: false,
        children: [
          { name: '### first', annotations: { assetId: 'asset_a' }, closed: true, error: false, children: [] },
          { name: '### second', annotations: { assetId: 'asset_b' }, closed: true, error: false, children: [] },
        ],
      },
    ]);
  });

  it('record an error on the span and throw it on', async () => {
    const tracer = tracingTracer();
    const failure = new Error('store unreachable');
    const { result, segment } = await withinSegment(tracer, () =>
      powertoolsSpans(tracer)
        .inSpan('### failing', async () => {
          throw failure;
        })
        .catch((error: unknown) => error),
    );
    expect(result).toBe(failure);
    expect(spanTree(segment)).toMatchObject([{ name: '### failing', closed: true, error: true }]);
  });
});
