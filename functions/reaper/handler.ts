import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { CredentialsError } from './adapters/credentials';
import { asReapLogger, createLogger } from './adapters/logger';
import { redactError, redactValue } from './adapters/redact';
import { powertoolsSpans, SPAN_NAMES, traceAwsClients, tracedCanvasStore } from './adapters/tracing';
import { loadConfig, type ReaperConfig } from './config';
import type { RunTrigger } from './core/lock-events';
import type { Clock } from './core/ports';
import { projectsNamed } from './core/project';
import type { RunSummary } from './core/summary';
import { publishRunMetrics } from './metrics';
import { PayloadError, parseInvocation, type RunRequest } from './payload';
import { type AwsClients, createAwsClients, createCanvasStore, createCredentialsProvider, runReap, systemClock } from './wiring';

/** Room kept at the end of an invocation to update rows, log the summary and flush metrics. */
export const REPORT_RESERVE_MS = 3_000;

/** A run-level failure: the invocation fails (so Lambda's Errors metric and the failure queue see it). */
export class ReapRunError extends Error {
  readonly summary?: RunSummary;
  constructor(message: string, summary?: RunSummary) {
    super(message);
    this.name = 'ReapRunError';
    if (summary) this.summary = redactValue(summary);
  }
}

export interface HandlerDependencies {
  env: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  awsClients?: AwsClients;
  /**
   * @default a Powertools Tracer for the config's service. Powertools enables it only inside Lambda (AWS_EXECUTION_ENV),
   * so tests and local runs never trace and never reach for the X-Ray daemon. In Lambda it also records each HTTP
   * attempt (method, URL, status; never headers, so never the Authorization) as a subsegment. Created here, not in
   * wiring.ts: the X-Ray SDK installs an async hook when it loads, which ops, which never traces, should not pay for.
   */
  tracer?: Tracer;
}

export type ReaperHandler = (event: unknown, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>) => Promise<RunSummary>;

/**
 * Builds the handler: reads and validates the config once (a cold start with a bad variable fails at once, naming
 * it), creates the clients once, and keeps the secret cached across warm invocations.
 */
export function createHandler(deps: HandlerDependencies): ReaperHandler {
  const config: ReaperConfig = loadConfig(deps.env, 'lambda');
  const clock = deps.clock ?? systemClock;
  const powertoolsLogger = createLogger(config);
  const logger = asReapLogger(powertoolsLogger);
  const tracer = deps.tracer ?? new Tracer({ serviceName: config.serviceName, captureHTTPsRequests: true });
  const spans = powertoolsSpans(tracer);
  const clients = traceAwsClients(deps.awsClients ?? createAwsClients(), tracer);
  const credentials = createCredentialsProvider(config, clients, clock);
  const store = tracedCanvasStore(createCanvasStore(config, clients), spans);

  const invoke: ReaperHandler = async (event, context) => {
    powertoolsLogger.addContext(context as Context);
    let request: RunRequest;
    try {
      request = parseInvocation(event);
    } catch (error) {
      if (error instanceof PayloadError) logger.error('invoke payload rejected; nothing was done', { problems: error.problems });
      throw error;
    }
    const keys = await credentials.get().catch((error: unknown) => {
      if (error instanceof CredentialsError) logger.error('credentials unavailable; nothing was done', { error: error.message });
      throw error;
    });
    const deadlineMs = clock.now() + context.getRemainingTimeInMillis() - REPORT_RESERVE_MS;
    const summary = await spans.inSpan(SPAN_NAMES.run, async (span) => {
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      span.annotate('runId', context.awsRequestId);
      span.annotate('dryRun', request.dryRun);
      const finished = await runReap(config, clients, request, {
        runId: context.awsRequestId,
        deadlineMs,
        trigger: triggerOf(event),
        clock,
        logger,
        store,
        keys,
        spans,
      });
      span.annotate('unlocked', finished.unlocked);
      span.annotate('failed', finished.failed);
      if (finished.stopReason) span.annotate('stopReason', finished.stopReason);
      return finished;
    });
    if (!summary.dryRun)
      publishRunMetrics({ namespace: config.metricsNamespace, serviceName: config.serviceName }, summary, projectsNamed(keys));
    if (summary.stopReason === 'credentials-rejected' || summary.refusedProjects.length > 0) {
      // A key was refused (never a single 403: that is one asset's problem): the secret may have been rotated, so it
      // is read again next time.
      credentials.invalidate();
      const which = summary.refusedProjects.length > 0 ? ` (projects ${summary.refusedProjects.join(', ')})` : '';
      throw new ReapRunError(`the Scenario API refused the credentials${which}: ${summary.stopDetail ?? ''}`, summary);
    }
    if (summary.stopReason === 'store-error') {
      throw new ReapRunError(`the tracked-canvases table could not be read: ${summary.stopDetail ?? ''}`, summary);
    }
    return redactValue(summary);
  };
  // What leaves the invocation (its result, or its error: the failure queue keeps the message and the stack) goes
  // through the one redaction pass, like every log line.
  return (event, context) =>
    invoke(event, context).catch((error: unknown) => {
      throw redactError(error);
    });
}

/**
 * What started an invocation, for its lock events: the schedule (its input, or a rule's scheduled event: payloads with
 * `source`, which parseInvocation accepted as a tick), or anything else, a person's invoke (ops invoke sends `{}`).
 */
export function triggerOf(event: unknown): RunTrigger {
  return event !== null && typeof event === 'object' && 'source' in event ? 'scheduled' : 'invoke';
}

let lambdaHandler: ReaperHandler | undefined;

/** The Lambda entry point; built on the first invocation so importing this module has no side effect. */
export const handler: ReaperHandler = (event, context) => {
  if (!lambdaHandler) {
    // The bundle ships a source map; stack traces in the log should point at our TypeScript, not minified code.
    process.setSourceMapsEnabled(true);
    try {
      lambdaHandler = createHandler({ env: process.env });
    } catch (error) {
      // A configuration error quotes the value it refuses; that value may be a signed URL.
      return Promise.reject(redactError(error));
    }
  }
  return lambdaHandler(event, context);
};
