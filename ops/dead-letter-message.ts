import type { Message } from '@aws-sdk/client-sqs';

/** The two queues the stack dead-letters into (names as the ops CLI shows them). */
export type DeadLetterQueueKind = 'failed-invocations' | 'undelivered-ticks';

/** One dead-lettered message, decoded: what was to run, why it did not, and when. */
export interface DeadLetter {
  messageId: string;
  /** When the message reached the queue (SQS SentTimestamp). */
  sentAt?: string;
  receiveCount?: number;
  /** The payload the function was (to be) invoked with, parsed when it is JSON. */
  payload: unknown;
  /** One line: the error type/code and message. */
  error: string;
  /** The rest of what the service recorded: condition, attempts, scheduled time, ARNs. */
  details: Record<string, string>;
}

/**
 * Decodes a message of either queue:
 * - failed invocations: Lambda's on-failure destination record, the JSON body
 *   {version, timestamp, requestContext: {requestId, functionArn, condition, approximateInvokeCount},
 *    requestPayload, responseContext: {statusCode, executedVersion, functionError}, responsePayload: {errorType, errorMessage}};
 * - undelivered ticks: Scheduler's dead-letter message, whose body is the target input and whose message attributes
 *   say why (ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS, SCHEDULED_TIME, SCHEDULE_ARN, TARGET_ARN, …).
 * A message of neither shape is shown as it is, with a note.
 */
export function decodeDeadLetter(kind: DeadLetterQueueKind, message: Message): DeadLetter {
  const sentMs = Number(message.Attributes?.SentTimestamp);
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  const base = {
    messageId: message.MessageId ?? '',
    ...(Number.isFinite(sentMs) && sentMs > 0 ? { sentAt: new Date(sentMs).toISOString() } : {}),
    ...(Number.isInteger(receiveCount) && receiveCount > 0 ? { receiveCount } : {}),
  };
  const body = parseJson(message.Body ?? '');
  return kind === 'failed-invocations'
    ? { ...base, ...decodeInvocationRecord(body, message.Body ?? '') }
    : { ...base, ...decodeUndeliveredTick(body, message) };
}

function decodeInvocationRecord(record: unknown, raw: string): Pick<DeadLetter, 'payload' | 'error' | 'details'> {
  const r = record as Record<string, any> | undefined;
  if (!r || typeof r !== 'object' || typeof r.requestContext !== 'object' || !('requestPayload' in r)) {
    return { payload: record ?? raw, error: '(not a Lambda invocation record)', details: {} };
  }
  const context = r.requestContext as Record<string, unknown>;
  const response = r.responsePayload as Record<string, unknown> | undefined;
  const condition = String(context.condition ?? '');
  const error =
    response && (response.errorType !== undefined || response.errorMessage !== undefined)
      ? `${String(response.errorType ?? 'Error')}: ${String(response.errorMessage ?? '')}`
      : condition === 'EventAgeExceeded'
        ? 'EventAgeExceeded: the invocation waited too long to run and was dropped'
        : condition || '(no error recorded)';
  return {
    payload: r.requestPayload,
    error,
    details: compact({
      condition,
      attempts: context.approximateInvokeCount === undefined ? undefined : String(context.approximateInvokeCount),
      functionError: r.responseContext?.functionError,
      requestId: context.requestId,
      functionArn: context.functionArn,
      failedAt: r.timestamp,
    }),
  };
}

function decodeUndeliveredTick(input: unknown, message: Message): Pick<DeadLetter, 'payload' | 'error' | 'details'> {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const code = attribute('ERROR_CODE');
  const text = attribute('ERROR_MESSAGE');
  return {
    payload: input ?? message.Body ?? '',
    error: code || text ? `${code ?? 'Error'}: ${text ?? ''}` : '(no ERROR_CODE/ERROR_MESSAGE attributes: not a Scheduler dead letter?)',
    details: compact({
      condition: attribute('EXHAUSTED_RETRY_CONDITION'),
      retries: attribute('RETRY_ATTEMPTS'),
      scheduledTime: attribute('SCHEDULED_TIME'),
      scheduleArn: attribute('SCHEDULE_ARN'),
      targetArn: attribute('TARGET_ARN'),
      executionId: attribute('EXECUTION_ID'),
      payloadTruncated: attribute('IS_PAYLOAD_TRUNCATED') === 'true' ? 'true' : undefined,
    }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function compact(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => [k, String(v)]),
  );
}
