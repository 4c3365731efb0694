import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { errorMessage } from '#reaper/core/error-message';
import { type DeadLetter, type DeadLetterQueueKind, decodeDeadLetter } from '../dead-letter-message';
import type { OpsCommand } from '../io';
import { EXIT } from '../kit/exit-codes';
import { relativeTime } from '../kit/text-table';
import { UsageError } from '../kit/usage-error';
import { sqsClient } from '../operator-clients';
import { DEFAULT_OUTPUTS_FILE, STACK_OUTPUTS, STACK_OUTPUTS_FLAGS } from '../stack-outputs';
import { describeTarget, explainFailure, resolveNamed, TargetFailedError, targetLine } from '../target';

const QUEUES: {
  kind: DeadLetterQueueKind;
  title: string;
  output: (typeof STACK_OUTPUTS)['failedInvocationsQueueUrl' | 'undeliveredTicksQueueUrl'];
}[] = [
  { kind: 'failed-invocations', title: 'Failed invocations', output: STACK_OUTPUTS.failedInvocationsQueueUrl },
  { kind: 'undelivered-ticks', title: 'Undelivered ticks', output: STACK_OUTPUTS.undeliveredTicksQueueUrl },
];
const DEFAULT_MAX_PER_QUEUE = 100;
/** The details a person needs at a glance; --json has them all (ARNs, ids). */
const SHOWN_DETAILS = new Set(['condition', 'attempts', 'functionError', 'retries', 'scheduledTime', 'payloadTruncated', 'requestId']);
/** Listing receives the messages (SQS has no peek); they stay hidden this long unless put back or deleted. */
const LISTING_VISIBILITY_SECONDS = 60;

export const DEAD_LETTERS_USAGE = `Usage: npm run ops -- dead-letters [--json] [--max N] [--check] [--purge --yes]

Lists the reaper's two dead-letter queues, each message with its age, its decoded payload and its error:
  failed invocations  runs that failed or waited too long (Lambda's on-failure record: condition, attempts,
                      errorType/errorMessage, and the payload the run was invoked with)
  undelivered ticks   schedule ticks Scheduler could not hand to Lambda (ERROR_CODE, ERROR_MESSAGE, retries,
                      the tick's time, and the input it carried)

Reading a message means receiving it (SQS has no peek): each listed message's receive count grows by one, and it
is put back (made visible again) at once, unless --purge deletes it.

Options:
  --json        one JSON object on stdout: {queues: [{queue, queueUrl, messages: [...], …}]}
  --max N       list at most N messages per queue (default ${DEFAULT_MAX_PER_QUEUE})
  --purge       delete the listed messages, once you have read them and fixed the cause; only what was listed
                is deleted, so a message that arrives meanwhile is kept for the next look
  --yes         do not ask for confirmation (needed with --purge when not at a terminal)
  --check       exit 1 when dead letters wait (a listing otherwise exits 0 when it ran)
  --failed-invocations-queue-url URL   (default: ${'$'}${STACK_OUTPUTS.failedInvocationsQueueUrl.env}, else the ${STACK_OUTPUTS.failedInvocationsQueueUrl.output} output)
  --undelivered-ticks-queue-url URL    (default: ${'$'}${STACK_OUTPUTS.undeliveredTicksQueueUrl.env}, else the ${STACK_OUTPUTS.undeliveredTicksQueueUrl.output} output)
  --outputs-file FILE  where to read stack outputs (default ${DEFAULT_OUTPUTS_FILE})
  --stack-name NAME    the stack in that file, when it holds several

There is no redrive, on purpose. Replaying a failed invocation replays its payload as it was: a stale manual
payload (an old assetIds list, an old overrideBrake) would act on a world that has moved on, which is dangerous.
SQS's own redrive does not serve these queues either (they are not source queues' dead-letter queues). And a
missed tick needs no replay: the next scheduled run covers every stale canvas anyway. Fix the cause, then purge;
to run now, use \`npm run ops -- invoke\` with a payload you write today.

Needs sqs:GetQueueAttributes, sqs:ReceiveMessage, sqs:ChangeMessageVisibility and (for --purge) sqs:DeleteMessage.
Uses the usual AWS settings (AWS_PROFILE, AWS_REGION, …; AWS_ENDPOINT_URL_SQS for a local endpoint).
It says its target (the queues, region, endpoint or account) on stderr first.
Exit codes: listing: 0 it ran (messages or not); 1 an SQS call failed, or --check and dead letters wait.
With --purge: 0 everything listed was purged and nothing more waits; 1 dead letters remain, or an SQS call failed.
2 usage or configuration error, or purge not confirmed.`;

interface QueueListing {
  queue: DeadLetterQueueKind;
  queueUrl: string;
  /** ApproximateNumberOfMessages + …NotVisible before listing (SQS's estimate). */
  approximateMessages: number;
  messages: DeadLetter[];
  /** Whether listing reached an empty receive (false: --max stopped it, more messages wait). */
  complete: boolean;
  /** Set with --purge: how many listed messages were deleted. */
  purged?: number;
}

export const deadLettersCommand: OpsCommand = {
  usage: DEAD_LETTERS_USAGE,
  flags: {
    json: { type: 'boolean' },
    max: { type: 'string' },
    purge: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    'failed-invocations-queue-url': { type: 'string' },
    'undelivered-ticks-queue-url': { type: 'string' },
    ...STACK_OUTPUTS_FLAGS,
    check: { type: 'boolean' },
  },
  run: async (values, _, io) => {
    const max = values.max === undefined ? DEFAULT_MAX_PER_QUEUE : Number(values.max);
    if (!Number.isInteger(max) || max < 1 || max > 10_000)
      throw new UsageError(`--max: expected a whole number from 1 to 10000, got ${JSON.stringify(values.max)}`);
    if (values.yes && !values.purge) throw new UsageError('--yes only goes with --purge');
    const purge = values.purge === true;
    if (purge && !values.yes && !io.interactive) {
      io.stderr('ops dead-letters: refusing to purge without confirmation; pass --yes\n');
      return EXIT.usageOrConfig;
    }
    const found = QUEUES.map((q) => resolveNamed(q.output, values, io));
    const urls = found.map((f) => f.value);
    const sqs = sqsClient(io);
    const target = await describeTarget(
      `queues ${urls.join(' and ')}`,
      [...new Set(found.map((f) => f.source))].join(', '),
      sqs,
      'SQS',
      io,
      found[0]!.sources,
    );
    io.stderr(targetLine('dead-letters', target));
    const received: Message[][] = [];
    const listings: QueueListing[] = [];
    try {
      for (const [index, queue] of QUEUES.entries()) {
        const queueUrl = urls[index]!;
        const approximateMessages = await countMessages(sqs, queueUrl);
        const { messages, complete } = await receiveAll(sqs, queueUrl, max);
        received.push(messages);
        listings.push({
          queue: queue.kind,
          queueUrl,
          approximateMessages,
          messages: messages.map((m) => decodeDeadLetter(queue.kind, m)),
          complete,
        });
      }
    } catch (error) {
      await putBack(sqs, urls, received).catch(() => undefined);
      throw new TargetFailedError(`reading the queues failed: ${explainFailure(error, target)}`);
    }

    const listedCount = listings.reduce((sum, l) => sum + l.messages.length, 0);
    let deleteListed = purge && listedCount > 0;
    const askFirst = deleteListed && !values.yes;
    if (askFirst) {
      io.stderr(`${renderListings(listings)}\n`);
      deleteListed = (await io.confirm?.(`Delete the ${listedCount} message(s) listed above? They cannot be read again.`)) === true;
      if (!deleteListed) {
        await putBack(sqs, urls, received).catch(() => undefined);
        io.stderr('ops dead-letters: not confirmed; nothing was deleted\n');
        return EXIT.usageOrConfig;
      }
    }
    try {
      if (deleteListed) {
        for (const [index, messages] of received.entries()) {
          for (const m of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: urls[index]!, ReceiptHandle: m.ReceiptHandle! }));
          listings[index]!.purged = messages.length;
        }
      } else {
        await putBack(sqs, urls, received);
      }
    } catch (error) {
      throw new TargetFailedError(`${deleteListed ? 'deleting' : 'putting back'} the messages failed: ${errorMessage(error)}`);
    }

    if (values.json) {
      io.stdout(`${JSON.stringify({ generatedAt: new Date().toISOString(), queues: listings }, null, 2)}\n`);
    } else {
      if (!askFirst) io.stdout(`${renderListings(listings)}\n`);
      if (deleteListed) io.stdout(`\nPurged ${listedCount} message(s).\n`);
    }

    // SQS's counts lag behind deletes, so what remains is judged from the listing itself: messages kept, or not all listed.
    const remaining = listings.some((l) => !l.complete || (l.purged === undefined && l.messages.length > 0));
    // --purge acts: what it could not clear is a failure. A listing only reads: what it found is a finding (--check).
    return remaining && (purge || values.check) ? EXIT.failed : EXIT.ok;
  },
};

async function countMessages(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** Receives up to `max` messages, ten at a time, until a receive comes back empty. */
async function receiveAll(sqs: SQSClient, queueUrl: string, max: number): Promise<{ messages: Message[]; complete: boolean }> {
  const messages: Message[] = [];
  for (;;) {
    if (messages.length >= max) return { messages, complete: false };
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - messages.length),
        VisibilityTimeout: LISTING_VISIBILITY_SECONDS,
        // Long polling (even 1 s) asks every SQS server, so an empty answer means an empty queue.
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (!Messages || Messages.length === 0) return { messages, complete: true };
    messages.push(...Messages);
  }
}

/** Makes the listed messages visible again at once, so the next look (or an alarm's count) sees them. */
async function putBack(sqs: SQSClient, urls: readonly string[], received: readonly Message[][]): Promise<void> {
  for (const [index, messages] of received.entries()) {
    for (const m of messages)
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: urls[index]!, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
  }
}

function renderListings(listings: readonly QueueListing[]): string {
  const now = Date.now();
  return listings
    .map((listing) => {
      const title = QUEUES.find((q) => q.kind === listing.queue)!.title;
      const unlisted = listing.complete ? '' : ' (listing stopped at --max; more may wait)';
      const head = `${title}: ${listing.messages.length === 0 ? 'none' : `${listing.messages.length} message(s)`}${unlisted}  ${listing.queueUrl}`;
      const blocks = listing.messages.map((m) => {
        const age = m.sentAt ? relativeTime((Date.parse(m.sentAt) - now) / 1000) : 'age unknown';
        const details = Object.entries(m.details)
          .filter(([k]) => SHOWN_DETAILS.has(k))
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
        return [
          `  - ${age}  ${m.error}`,
          details ? `    ${details}` : '',
          `    payload: ${typeof m.payload === 'string' ? m.payload : JSON.stringify(m.payload)}`,
        ]
          .filter(Boolean)
          .join('\n');
      });
      return [head, ...blocks].join('\n');
    })
    .join('\n');
}
