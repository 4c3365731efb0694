import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseJsonObject, readBody, sendJson } from './http-json';
import { listenOnLoopback } from './loopback-server';

export type StandInMessageAttributes = Record<string, { DataType: string; StringValue?: string }>;

export interface StandInMessage {
  messageId: string;
  body: string;
  messageAttributes: StandInMessageAttributes;
  /** Epoch milliseconds. */
  sentAtMs: number;
  receiveCount: number;
  firstReceivedAtMs?: number;
}

export interface SqsStandIn {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SQS or a client's `endpoint`. */
  endpoint: string;
  /** The queue's URL on this server (its origin is the endpoint, so the SDK keeps using the endpoint). */
  queueUrl(queueName: string): string;
  queueArn(queueName: string): string;
  /** Puts a message as a service would (Lambda's on-failure destination, Scheduler's dead-letter queue). */
  send(queueName: string, message: { body: string; messageAttributes?: StandInMessageAttributes; sentAtMs?: number }): string;
  /** The messages still in the queue, visible or not. */
  messages(queueName: string): readonly StandInMessage[];
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';
const TARGET_PREFIX = 'AmazonSQS.';
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
const MAX_MESSAGES_PER_RECEIVE = 10;
/** What the query protocol called each error; the SDK (awsQueryCompatible) reads it from this header. */
const QUERY_ERROR_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue;Sender',
  ReceiptHandleIsInvalid: 'ReceiptHandleIsInvalid;Sender',
  InvalidParameterValue: 'InvalidParameterValue;Sender',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation;Sender',
};

interface Held extends StandInMessage {
  visibleAtMs: number;
  receiptHandle?: string;
}

/**
 * Standard queues that answer the SQS API the way the current SDK speaks it (AWS JSON 1.0: POST /, X-Amz-Target
 * AmazonSQS.*): SendMessage, ReceiveMessage (with visibility timeouts and receive counts), ChangeMessageVisibility,
 * DeleteMessage, PurgeQueue and GetQueueAttributes. Receiving hides a message for its visibility timeout, as SQS does.
 */
export async function startSqsStandIn(queueNames: readonly string[]): Promise<SqsStandIn> {
  const queues = new Map<string, Held[]>(queueNames.map((name) => [name, []]));
  const createdAtSeconds = String(Math.floor(Date.now() / 1000));
  const arnOf = (name: string) => `arn:aws:sqs:local:${ACCOUNT}:${name}`;

  const fail = (response: ServerResponse, code: string, message: string) =>
    sendJson(
      response,
      400,
      { __type: `com.amazonaws.sqs#${code}`, message },
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': QUERY_ERROR_CODES[code] ?? `${code};Sender`,
      },
    );
  const ok = (response: ServerResponse, body: object) => sendJson(response, 200, body, { 'content-type': 'application/x-amz-json-1.0' });

  const send = (queue: Held[], message: { body: string; messageAttributes?: StandInMessageAttributes; sentAtMs?: number }) => {
    const held: Held = {
      messageId: randomUUID(),
      body: message.body,
      messageAttributes: structuredClone(message.messageAttributes ?? {}),
      sentAtMs: message.sentAtMs ?? Date.now(),
      receiveCount: 0,
      visibleAtMs: 0,
    };
    queue.push(held);
    return held;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const text = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const body = parseJsonObject(text);
    if (!body) return fail(response, 'InvalidParameterValue', 'The request body is not a JSON object.');
    const queueName = typeof body.QueueUrl === 'string' ? body.QueueUrl.split('/').pop() : undefined;
    const queue = queueName === undefined ? undefined : queues.get(queueName);
    if (!queue) return fail(response, 'QueueDoesNotExist', 'The specified queue does not exist.');
    const now = Date.now();
    const byHandle = (handle: unknown) => queue.findIndex((m) => m.receiptHandle !== undefined && m.receiptHandle === handle);

    switch (operation) {
      case 'SendMessage': {
        if (typeof body.MessageBody !== 'string' || !body.MessageBody)
          return fail(response, 'InvalidParameterValue', 'MessageBody is required.');
        const held = send(queue, {
          body: body.MessageBody,
          messageAttributes: body.MessageAttributes as StandInMessageAttributes | undefined,
        });
        return ok(response, { MessageId: held.messageId, MD5OfMessageBody: md5(held.body) });
      }
      case 'ReceiveMessage': {
        const max = typeof body.MaxNumberOfMessages === 'number' ? body.MaxNumberOfMessages : 1;
        if (!Number.isInteger(max) || max < 1 || max > MAX_MESSAGES_PER_RECEIVE)
          return fail(response, 'InvalidParameterValue', 'MaxNumberOfMessages must be 1 to 10.');
        const visibilitySeconds = typeof body.VisibilityTimeout === 'number' ? body.VisibilityTimeout : DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
        const systemNames = new Set([...asStrings(body.AttributeNames), ...asStrings(body.MessageSystemAttributeNames)]);
        const attributeNames = asStrings(body.MessageAttributeNames);
        const received = queue.filter((m) => m.visibleAtMs <= now).slice(0, max);
        return ok(response, {
          Messages: received.map((m) => {
            m.receiveCount += 1;
            m.firstReceivedAtMs ??= now;
            m.visibleAtMs = now + visibilitySeconds * 1000;
            m.receiptHandle = randomBytes(24).toString('base64url');
            const system: Record<string, string> = {
              SentTimestamp: String(m.sentAtMs),
              ApproximateReceiveCount: String(m.receiveCount),
              ApproximateFirstReceiveTimestamp: String(m.firstReceivedAtMs),
              SenderId: 'AIDALOCALSTANDIN',
            };
            const wantsAll = systemNames.has('All');
            const attributes = Object.fromEntries(Object.entries(system).filter(([name]) => wantsAll || systemNames.has(name)));
            const messageAttributes = Object.fromEntries(
              Object.entries(m.messageAttributes).filter(([name]) =>
                attributeNames.some((wanted) => wanted === 'All' || wanted === '.*' || wanted === name),
              ),
            );
            return {
              MessageId: m.messageId,
              ReceiptHandle: m.receiptHandle,
              MD5OfBody: md5(m.body),
              Body: m.body,
              ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
              ...(Object.keys(messageAttributes).length > 0 ? { MessageAttributes: messageAttributes } : {}),
            };
          }),
        });
      }
      case 'ChangeMessageVisibility': {
        const index = byHandle(body.ReceiptHandle);
        if (index < 0) return fail(response, 'ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
        queue[index]!.visibleAtMs = now + Number(body.VisibilityTimeout ?? 0) * 1000;
        return ok(response, {});
      }
      case 'DeleteMessage': {
        const index = byHandle(body.ReceiptHandle);
        if (index < 0) return fail(response, 'ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
        queue.splice(index, 1);
        return ok(response, {});
      }
      case 'PurgeQueue':
        queue.splice(0, queue.length);
        return ok(response, {});
      case 'GetQueueAttributes': {
        const wanted = new Set(asStrings(body.AttributeNames));
        const all: Record<string, string> = {
          QueueArn: arnOf(queueName!),
          ApproximateNumberOfMessages: String(queue.filter((m) => m.visibleAtMs <= now).length),
          ApproximateNumberOfMessagesNotVisible: String(queue.filter((m) => m.visibleAtMs > now).length),
          ApproximateNumberOfMessagesDelayed: '0',
          CreatedTimestamp: createdAtSeconds,
          MessageRetentionPeriod: String(14 * 24 * 3600),
          VisibilityTimeout: String(DEFAULT_VISIBILITY_TIMEOUT_SECONDS),
        };
        return ok(response, {
          Attributes: Object.fromEntries(Object.entries(all).filter(([name]) => wanted.has('All') || wanted.has(name))),
        });
      }
      default:
        return fail(response, 'UnsupportedOperation', `${target} is not served by the local SQS stand-in`);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { __type: 'com.amazonaws.sqs#InternalError', message: String(error) });
    });
  });
  const listening = await listenOnLoopback(server);
  const origin = listening.origin;
  const queueOrThrow = (name: string) => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`no queue ${name} in the SQS stand-in`);
    return queue;
  };
  return {
    endpoint: origin,
    queueUrl: (name) => `${origin}/${ACCOUNT}/${name}`,
    queueArn: arnOf,
    send: (name, message) => send(queueOrThrow(name), message).messageId,
    messages: (name) => queueOrThrow(name).map(({ visibleAtMs: _v, receiptHandle: _r, ...message }) => structuredClone(message)),
    close: listening.close,
  };
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
