import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { errorMessage } from '../core/error-message';
import { LOCK_EVENT_SOURCE, type LockEvent, type LockEventPublisher } from '../core/lock-events';
import type { Clock, ReapLogger } from '../core/ports';
import { redactText, redactValue } from './redact';

/** PutEvents' own limits: at most 10 entries and 256 KB per call. */
export const MAX_ENTRIES_PER_BATCH = 10;
export const MAX_BATCH_BYTES = 256 * 1024;
/** A batch that is not full goes out this long after its first event. */
export const FLUSH_AFTER_MS = 1_000;
/** Attempts of one batch's failed entries (the first included), each after a longer wait, within the run's budget. */
export const PUT_EVENTS_MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;
/** PutEvents' size rule counts the entry's Time as 14 bytes. */
const TIME_BYTES = 14;

export interface EventBridgeLockEventsOptions {
  client: Pick<EventBridgeClient, 'send'>;
  /** The bus's name or ARN (LOCK_EVENTS_BUS). */
  busName: string;
  clock: Clock;
  logger: ReapLogger;
  /** Epoch ms after which a failed batch is not retried again (the run's budget). */
  deadlineMs: number;
  /** @default FLUSH_AFTER_MS */
  flushAfterMs?: number;
  /** @default PUT_EVENTS_MAX_ATTEMPTS */
  maxAttempts?: number;
  /** @default 200 ms, doubled per attempt, capped at 5 s */
  backoffBaseMs?: number;
}

interface PendingEntry {
  eventId: string;
  entry: PutEventsRequestEntry;
  bytes: number;
}

/**
 * Publishes the run's lock events to an EventBridge bus: batches of at most 10 entries and 256 KB, sent when a batch
 * is full or a second after its first event, never inside a canvas's request slot. Failed entries are retried with
 * backoff within the run's budget; what still fails is counted (settle's notPublished) and logged with its ids.
 * Nothing here throws into the run: delivery never blocks or reverses an unlock. Every detail goes through the
 * logs' redaction before it leaves.
 */
export class EventBridgeLockEvents implements LockEventPublisher {
  private batch: PendingEntry[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly notPublished: string[] = [];
  private published = 0;

  constructor(private readonly options: EventBridgeLockEventsOptions) {}

  publish(event: LockEvent): void {
    const eventId = event.detail.eventId;
    try {
      const entry: PutEventsRequestEntry = {
        Time: new Date(this.options.clock.now()),
        Source: LOCK_EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(redactValue(event.detail)),
        EventBusName: this.options.busName,
      };
      const bytes = entrySize(entry);
      if (bytes > MAX_BATCH_BYTES) {
        this.fail([eventId], `the event is ${bytes} bytes, more than PutEvents takes (${MAX_BATCH_BYTES})`);
        return;
      }
      if (this.batchBytes + bytes > MAX_BATCH_BYTES) this.flush();
      this.batch.push({ eventId, entry, bytes });
      this.batchBytes += bytes;
      if (this.batch.length >= MAX_ENTRIES_PER_BATCH) this.flush();
      else if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.options.flushAfterMs ?? FLUSH_AFTER_MS);
        // A pending batch must not keep a finished process alive; settle() sends it anyway.
        this.timer.unref();
      }
    } catch (error) {
      this.fail([eventId], `the event could not be prepared: ${errorMessage(error)}`);
    }
  }

  async settle(): Promise<{ notPublished: readonly string[] }> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    return { notPublished: [...this.notPublished] };
  }

  /** Events PutEvents accepted so far. */
  get publishedCount(): number {
    return this.published;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const sending: Promise<void> = this.send(batch)
      .catch((error: unknown) =>
        this.fail(
          batch.map((pending) => pending.eventId),
          `publishing failed: ${errorMessage(error)}`,
        ),
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private async send(batch: readonly PendingEntry[]): Promise<void> {
    const { clock, maxAttempts = PUT_EVENTS_MAX_ATTEMPTS, backoffBaseMs = BACKOFF_BASE_MS } = this.options;
    let todo = batch;
    let lastProblem = '';
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = await this.options.client.send(new PutEventsCommand({ Entries: todo.map((pending) => pending.entry) }));
        const results = answer.Entries ?? [];
        const failed: PendingEntry[] = [];
        todo.forEach((pending, index) => {
          const result = results[index];
          // An entry with neither an EventId nor an error code was not confirmed: it is sent again.
          if (result?.EventId && !result.ErrorCode) this.published += 1;
          else {
            failed.push(pending);
            lastProblem = `${result?.ErrorCode ?? 'no answer for the entry'}${result?.ErrorMessage ? `: ${result.ErrorMessage}` : ''}`;
          }
        });
        todo = failed;
      } catch (error) {
        lastProblem = errorMessage(error);
      }
      if (todo.length === 0) return;
      const delayMs = Math.min(BACKOFF_CAP_MS, backoffBaseMs * 2 ** (attempt - 1));
      if (attempt >= maxAttempts || clock.now() + delayMs >= this.options.deadlineMs) break;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    this.fail(
      todo.map((pending) => pending.eventId),
      `PutEvents failed after its retries (${lastProblem})`,
    );
  }

  private fail(eventIds: readonly string[], problem: string): void {
    this.notPublished.push(...eventIds);
    this.options.logger.error('lock events not published; the unlocks stand, subscribers miss these events', {
      eventIds,
      problem: redactText(problem),
    });
  }
}

/** An entry's size as PutEvents counts it (UTF-8 bytes of Source, DetailType, Detail, Resources; Time as 14). */
export function entrySize(entry: PutEventsRequestEntry): number {
  let bytes = entry.Time ? TIME_BYTES : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text) bytes += Buffer.byteLength(text, 'utf8');
  }
  return bytes;
}
