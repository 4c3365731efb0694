import { describe, expect, it } from 'vitest';
import { decodeDeadLetter } from '#ops/dead-letter-message';

describe('decodeDeadLetter', () => {
  it("reads Lambda's on-failure record of an invocation that waited too long (no response)", () => {
    const body = JSON.stringify({
      version: '1.0',
      timestamp: '2026-11-27T10:00:00.000Z',
      requestContext: { requestId: 'r', functionArn: 'arn:f', condition: 'EventAgeExceeded', approximateInvokeCount: 0 },
      requestPayload: { dryRun: true },
    });
    const decoded = decodeDeadLetter('failed-invocations', {
      MessageId: 'm1',
      Body: body,
      Attributes: { SentTimestamp: '1795777200000', ApproximateReceiveCount: '3' },
    });
    expect(decoded).toEqual({
      messageId: 'm1',
      sentAt: new Date(1795777200000).toISOString(),
      receiveCount: 3,
      payload: { dryRun: true },
      error: 'EventAgeExceeded: the invocation waited too long to run and was dropped',
      details: { condition: 'EventAgeExceeded', attempts: '0', requestId: 'r', functionArn: 'arn:f', failedAt: '2026-11-27T10:00:00.000Z' },
    });
  });

  it('shows a message of neither shape as it is, saying so', () => {
    expect(decodeDeadLetter('failed-invocations', { MessageId: 'm2', Body: 'plain text' })).toMatchObject({
      payload: 'plain text',
      error: '(not a Lambda invocation record)',
    });
    expect(decodeDeadLetter('undelivered-ticks', { MessageId: 'm3', Body: '{"x":1}' })).toMatchObject({
      payload: { x: 1 },
      error: '(no ERROR_CODE/ERROR_MESSAGE attributes: not a Scheduler dead letter?)',
      details: {},
    });
  });
});
