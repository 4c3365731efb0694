import { randomUUID } from 'node:crypto';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import { loadConfig } from '#reaper/config';
import { assetIdProblem } from '#reaper/core/asset-id';
import { LockEventRecorder } from '#reaper/core/lock-events';
import { logOutcome } from '#reaper/core/outcome-log';
import { keyOf, projectOf } from '#reaper/core/project';
import { RunControl } from '#reaper/core/run-control';
import { stringValue } from '#reaper/core/tracked-canvas';
import { unlockCanvas } from '#reaper/core/unlock-canvas';
import { judgeCanvas } from '#reaper/core/verdict';
import { createCanvasStore, createCredentialsProvider, createLockApis, lockEventsOf, systemClock } from '#reaper/wiring';
import { confirmed, type OpsCommand } from '../io';
import { checkReaperAwsSetup } from '../kit/aws-setup';
import { assertClockAgreesWithAws } from '../kit/clock-skew';
import { EXIT } from '../kit/exit-codes';
import { terminalSafe } from '../kit/terminal-text';
import { relativeTime } from '../kit/text-table';
import { UsageError } from '../kit/usage-error';
import { onTable, resolveTableTarget, TABLE_TARGET_HELP, TABLE_TARGET_OPTIONS } from '../table-target';
import { stepOn } from '../target';

export const UNLOCK_USAGE = `Usage: npm run ops -- unlock <assetId> [--lock-id <id>] [--yes]

A person's deliberate force-unlock: frees one tracked canvas now, even if its lock has not expired, through the same
steps as the reaper (claim the row if it still holds the lock read, PUT /assets/{id}/unlock with
{"forceUnlock": true}, log the returned asset, then update the row). Like terraform force-unlock, --lock-id makes
sure you free the lock you mean: if the canvas holds another lock, nothing is done.

Options:
  --lock-id <id>   only if the row's lockId is this one
  --yes            do not ask for confirmation (needed when not at a terminal)
${TABLE_TARGET_HELP}

Needs the reaper's configuration (SCENARIO_SECRET_ID or SCENARIO_SDK_API_KEY/SECRET, …). When none names the
credentials and the table came from cdk-outputs.json, the stack's secret (SecretArn) there is used.
It says its target (table, region, endpoint or account) on stderr first.
Refused (exit 2) when this machine's clock is more than the larger of 2 s and a quarter of the grace (at most 60 s) from AWS's.
Exit codes: 0 unlocked (or nothing to unlock); 1 the unlock failed, the lock id differs or the canvas is not
tracked; 2 usage or configuration error, a clock too far off, or confirmation refused.`;

export const unlockCommand: OpsCommand = {
  usage: UNLOCK_USAGE,
  flags: { 'lock-id': { type: 'string' }, yes: { type: 'boolean', short: 'y' }, ...TABLE_TARGET_OPTIONS },
  positionals: { min: 1, max: 1 },
  run: async (values, positionals, io) => {
    const assetId = positionals[0] ?? '';
    const idProblem = assetIdProblem(assetId);
    if (idProblem) throw new UsageError(idProblem);
    const expectedLockId = values['lock-id'] as string | undefined;

    const { env, clients, target } = await resolveTableTarget('unlock', values, io, { credentials: true });
    const config = loadConfig(env, 'local');
    const clock = systemClock;
    await checkReaperAwsSetup(config, clients, io.env);
    // The claim and the verdict shown in the prompt are judged by this machine's clock: it must agree with AWS's.
    await onTable(target, () =>
      assertClockAgreesWithAws({ dynamo: clients.dynamo, tableName: config.tableName, clock, graceSeconds: config.graceSeconds }),
    );
    const store = createCanvasStore(config, clients);

    const canvas = await stepOn(target, `reading ${assetId}`, async () => {
      for await (const page of store.pagesOf([assetId])) if (page[0]) return page[0];
      return undefined;
    });
    if (!canvas) {
      io.stderr(
        `ops unlock: ${assetId} is not tracked in ${config.tableName}; nothing was done (track it first: npm run ops -- track --help)\n`,
      );
      return EXIT.canvasFailedOrInvalid;
    }
    const lockId = stringValue(canvas.lockId);
    if (expectedLockId !== undefined && expectedLockId !== lockId) {
      io.stderr(
        `ops unlock: ${assetId} holds lock ${terminalSafe(lockId ?? '(none)')}, not ${terminalSafe(expectedLockId)}; nothing was done\n`,
      );
      return EXIT.canvasFailedOrInvalid;
    }
    if (canvas.lockExpiresAt.kind === 'absent') {
      io.stdout(`${assetId} is not locked; nothing to do\n`);
      return EXIT.ok;
    }
    const lockExpiresAt =
      stringValue(canvas.lockExpiresAt) ?? `(not a date: ${canvas.lockExpiresAt.kind === 'other' ? canvas.lockExpiresAt.preview : ''})`;
    const verdict = judgeCanvas(canvas, clock.now(), config.graceSeconds * 1000);
    const when =
      'expiresAt' in verdict
        ? ` (${verdict.kind}, expires ${relativeTime((verdict.expiresAt - clock.now()) / 1000)})`
        : ` (${verdict.kind})`;

    const question = `Force-unlock ${assetId}, lock ${terminalSafe(lockId ?? '(no lock id)')} until ${terminalSafe(lockExpiresAt)}${when}? Anyone editing it loses the lock.`;
    if (!(await confirmed(io, 'unlock', values.yes === true, question))) return EXIT.usageOrConfig;

    const keys = await createCredentialsProvider(config, clients, clock).get();
    // The row's project decides the key, as in a reap run.
    const lockApi = keyOf(createLockApis(config, keys, clock), projectOf(canvas));
    if (!lockApi) {
      io.stderr(
        `ops unlock: no key for project ${terminalSafe(projectOf(canvas))} in the credentials, and no default key; nothing was done\n`,
      );
      return EXIT.usageOrConfig;
    }
    const logger = asReapLogger(createLogger(config));
    const runId = `ops-${randomUUID()}`;
    const deadlineMs = clock.now() + config.runBudgetMs;
    const outcome = await unlockCanvas(
      { clock, store, lockApi, logger },
      canvas,
      // A person decided, knowing the lock may be live: no verification at Scenario, nothing to wait for.
      { runId, deadlineMs, graceMs: config.graceSeconds * 1000, verifyAtSource: false, control: new RunControl(clock, deadlineMs, 0) },
    );
    logOutcome(logger, outcome);
    // A person's unlock is published like a run's (trigger ops-unlock) when LOCK_EVENTS_BUS is set; the unlock stands
    // whatever the delivery does.
    const lockEvents = lockEventsOf(config, clients, { clock, logger, deadlineMs, trigger: 'ops-unlock', dryRun: false });
    if (lockEvents) {
      const events = new LockEventRecorder(lockEvents.publisher, { runId, trigger: lockEvents.trigger, clock });
      events.outcome(outcome, canvas);
      const { notPublished } = await events.settle();
      if (notPublished.length > 0) io.stderr(`ops unlock: ${notPublished.length} lock event(s) could not be published (see the log)\n`);
    }
    switch (outcome.status) {
      case 'unlocked':
        io.stderr(`unlocked ${assetId}; its row no longer holds the lock\n`);
        return EXIT.ok;
      case 'unlocked-row-changed':
        io.stderr(
          `unlocked ${assetId} at Scenario, but its row changed meanwhile (a new lock?) and was left as is; check: npm run ops -- status\n`,
        );
        return EXIT.canvasFailedOrInvalid;
      case 'failed':
        io.stderr(`ops unlock: ${assetId} was not unlocked: ${terminalSafe(outcome.error)}\n`);
        return EXIT.canvasFailedOrInvalid;
      default:
        io.stderr(
          `ops unlock: ${assetId} was not unlocked: ${outcome.status === 'skipped' ? `its row changed (${outcome.reason})` : outcome.status}\n`,
        );
        return EXIT.canvasFailedOrInvalid;
    }
  },
};
