import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { CanvasStore, LockApi, LockApis, SourceLockResult, UnlockResult } from '../core/ports';
import { mapKeys } from '../core/project';
import type { TrackedCanvas } from '../core/tracked-canvas';

/**
 * X-Ray spans around the ports, so the core stays free of tracing: the run (handler), each page of the Scan (or of
 * the BatchGetItem of named assets), each GET that verifies a lock at Scenario and each PUT that frees one (its
 * retries included; the tracer's fetch instrumentation adds one subsegment per HTTP attempt inside it). The DynamoDB
 * and Secrets Manager calls are traced by the tracer's SDK client capture (traceAwsClients).
 *
 * Outside Lambda the Powertools Tracer is disabled, and so are these spans: tests and local runs stay offline.
 */

/** X-Ray subsegment names: letters, digits, spaces and `_ . : / % & # = + \ - @` only, so no braces. */
export const SPAN_NAMES = {
  run: '### reap run',
  scanPage: '### Scan page',
  namedAssetsPage: '### BatchGetItem page',
  verify: '### GET /assets/:assetId',
  unlock: '### PUT /assets/:assetId/unlock',
} as const;

/** An annotation value X-Ray indexes (annotation keys: letters, digits and underscores). */
export type AnnotationValue = string | number | boolean;

/** An open span: annotations make traces searchable (`annotation.assetId = "asset_…"`). */
export interface Span {
  annotate(key: string, value: AnnotationValue): void;
}

/** Runs work inside named spans. The work's result and errors pass through unchanged. */
export interface Spans {
  inSpan<T>(name: string, work: (span: Span) => Promise<T>): Promise<T>;
}

const NO_SPAN: Span = { annotate: () => {} };

/** No tracing at all: the work runs as is. */
export const NO_SPANS: Spans = { inSpan: (_name, work) => work(NO_SPAN) };

/**
 * Spans as X-Ray subsegments of the current (sub)segment, through Powertools Tracer. Each span gets its own async
 * context (the X-Ray SDK's captureAsyncFunc), so concurrent unlocks nest under the run, not under each other.
 * A disabled tracer (any run outside Lambda) gives NO_SPANS.
 */
export function powertoolsSpans(tracer: Tracer): Spans {
  if (!tracer.isTracingEnabled()) return NO_SPANS;
  return {
    inSpan: <T>(name: string, work: (span: Span) => Promise<T>) =>
      tracer.provider.captureAsyncFunc(name, async (subsegment) => {
        try {
          return await work({ annotate: (key, value) => subsegment?.addAnnotation(key, value) });
        } catch (error) {
          if (error instanceof Error) subsegment?.addError(error);
          throw error;
        } finally {
          subsegment?.close();
        }
      }) as Promise<T>,
  };
}

/** The SDK clients, captured so each DynamoDB and Secrets Manager call is a subsegment (unchanged when disabled). */
export function traceAwsClients<Clients extends object>(clients: Clients, tracer: Tracer): Clients {
  if (!tracer.isTracingEnabled()) return clients;
  for (const client of Object.values(clients)) tracer.captureAWSv3Client(client);
  return clients;
}

/** Each page of a table read in its own span, annotated with the number of canvases it held. */
async function* tracedPages(
  name: string,
  pages: AsyncIterable<readonly TrackedCanvas[]>,
  spans: Spans,
): AsyncGenerator<readonly TrackedCanvas[], void, undefined> {
  const iterator = pages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await spans.inSpan(name, async (span) => {
        const read = await iterator.next();
        span.annotate('canvases', read.done ? 0 : read.value.length);
        return read;
      });
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // The reader stopped early (a run cut short) or the read failed: let the store finish its own iteration.
    await iterator.return?.();
  }
}

/**
 * The table store with a span per page read. Only the two reads are wrapped: every other property is the store's
 * own, called on the store itself, so a method the store gains needs nothing here.
 */
export function tracedCanvasStore(store: CanvasStore, spans: Spans): CanvasStore {
  const traced: Pick<CanvasStore, 'pages' | 'pagesOf'> = {
    pages: () => tracedPages(SPAN_NAMES.scanPage, store.pages(), spans),
    pagesOf: (assetIds) => tracedPages(SPAN_NAMES.namedAssetsPage, store.pagesOf(assetIds), spans),
  };
  return new Proxy(store, {
    get(target, key) {
      if (key === 'pages' || key === 'pagesOf') return traced[key];
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The outcome of a request as annotations: `outcome` is "ok" or the failure kind, with attempts and HTTP status. */
function annotateOutcome(span: Span, result: SourceLockResult | UnlockResult): void {
  if (result.ok) {
    span.annotate('outcome', 'ok');
    span.annotate('attempts', result.attempts);
    return;
  }
  span.annotate('outcome', result.failure.kind);
  span.annotate('attempts', result.failure.attempts);
  if (result.failure.status !== undefined) span.annotate('httpStatus', result.failure.status);
  if (result.failure.possiblyApplied) span.annotate('possiblyApplied', true);
}

/** Every project's lock API, each traced (a key shared by projects stays one object). */
export function tracedLockApis(apis: LockApis, spans: Spans): LockApis {
  return mapKeys(apis, (api) => tracedLockApi(api, spans));
}

/** The Scenario lock API with a span per GET (verify) and per PUT (unlock), each annotated with its asset id and outcome. */
export function tracedLockApi(api: LockApi, spans: Spans): LockApi {
  return {
    readSourceLock: (assetId, options) =>
      spans.inSpan(SPAN_NAMES.verify, async (span) => {
        span.annotate('assetId', assetId);
        const result = await api.readSourceLock(assetId, options);
        annotateOutcome(span, result);
        return result;
      }),
    forceUnlock: (assetId, options) =>
      spans.inSpan(SPAN_NAMES.unlock, async (span) => {
        span.annotate('assetId', assetId);
        const result = await api.forceUnlock(assetId, options);
        annotateOutcome(span, result);
        return result;
      }),
  };
}
