import { Tracer } from '@aws-lambda-powertools/tracer';
import { Segment } from 'aws-xray-sdk-core';

/** What Lambda sets and Powertools reads when a tracer is built: traced, on an on-demand (cold-startable) instance. */
const LAMBDA_ENVIRONMENT = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' };

/**
 * A Powertools Tracer that traces as it does inside Lambda, without patching Node's HTTP modules for the rest of the
 * test process. Segments stay in memory: the test never closes the root segment, which is what would send it to a
 * daemon.
 */
export function tracingTracer(): Tracer {
  const previous = Object.fromEntries(Object.keys(LAMBDA_ENVIRONMENT).map((name) => [name, process.env[name]]));
  Object.assign(process.env, LAMBDA_ENVIRONMENT);
  try {
    return new Tracer({ serviceName: 'tracing-test', captureHTTPsRequests: false });
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Runs `work` with a fresh root segment as the current X-Ray segment, as Lambda's facade segment is; returns both. */
export async function withinSegment<T>(tracer: Tracer, work: () => Promise<T>): Promise<{ result: T; segment: Segment }> {
  const segment = new Segment('tracing-test');
  const result = await tracer.provider.getNamespace().runPromise(async () => {
    tracer.provider.setSegment(segment);
    return work();
  });
  return { result, segment };
}

/** A recorded (sub)segment: its name, annotations, whether it is closed, and its children. */
export interface SpanNode {
  name: string;
  annotations: Record<string, unknown>;
  closed: boolean;
  error: boolean;
  children: SpanNode[];
}

interface RecordedSegment {
  name: string;
  annotations?: Record<string, unknown>;
  in_progress?: boolean;
  end_time?: number;
  fault?: boolean;
  error?: boolean;
  subsegments?: RecordedSegment[];
}

/** The subsegments under a segment, as a tree of plain values. */
export function spanTree(segment: Segment | RecordedSegment): SpanNode[] {
  return ((segment as RecordedSegment).subsegments ?? []).map((sub) => ({
    name: sub.name,
    annotations: { ...sub.annotations },
    closed: sub.end_time !== undefined && !sub.in_progress,
    error: Boolean(sub.fault || sub.error),
    children: spanTree(sub),
  }));
}
