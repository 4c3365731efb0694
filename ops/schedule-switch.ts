import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  type ScheduleState,
  UpdateScheduleCommand,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { errorMessage } from '#reaper/core/error-message';
import type { OpsCommand, OpsIo } from './io';
import { EXIT } from './kit/exit-codes';
import { schedulerClient } from './operator-clients';
import { DEFAULT_OUTPUTS_FILE, STACK_OUTPUTS, STACK_OUTPUTS_FLAGS } from './stack-outputs';
import { describeTarget, resolveNamed, stepOn, TargetFailedError, targetLine } from './target';

/** The schedule group the stack puts its schedule in. */
export const DEFAULT_SCHEDULE_GROUP = 'default';
/** The context key that sets the state a deploy gives the schedule. */
export const SCHEDULE_ENABLED_SETTING = 'reaper:scheduleEnabled';

/**
 * Every member of UpdateSchedule besides the name, the new state and the idempotency token. UpdateSchedule resets a
 * member left out of the request to its default (a lost dead-letter queue, retry policy or input), so each is
 * copied from GetSchedule. The type makes a member added to the SDK's input fail the build until it is listed here.
 */
const CARRIED_OVER = {
  GroupName: true,
  ScheduleExpression: true,
  ScheduleExpressionTimezone: true,
  StartDate: true,
  EndDate: true,
  Description: true,
  KmsKeyArn: true,
  Target: true,
  FlexibleTimeWindow: true,
  ActionAfterCompletion: true,
} as const satisfies Record<Exclude<keyof UpdateScheduleCommandInput, 'Name' | 'State' | 'ClientToken'>, true>;

/** The UpdateSchedule request that changes only the state of the schedule GetSchedule returned. */
export function updateWithState(name: string, current: GetScheduleCommandOutput, state: ScheduleState): UpdateScheduleCommandInput {
  const { ScheduleExpression, Target, FlexibleTimeWindow } = current;
  if (!ScheduleExpression || !Target || !FlexibleTimeWindow) {
    throw new Error(
      `GetSchedule returned schedule ${name} without ${!ScheduleExpression ? 'ScheduleExpression' : !Target ? 'Target' : 'FlexibleTimeWindow'}; not updating it`,
    );
  }
  const carried: Record<string, unknown> = {};
  for (const member of Object.keys(CARRIED_OVER) as (keyof typeof CARRIED_OVER)[]) {
    if (current[member] !== undefined) carried[member] = current[member];
  }
  return { ...carried, Name: name, ScheduleExpression, Target, FlexibleTimeWindow, State: state };
}

const deployNote = (state: ScheduleState) =>
  `The next \`cdk deploy\` restores the deployed setting (${SCHEDULE_ENABLED_SETTING}: true unless the environment file, environments/<env>.json, or -c says false).\n` +
  (state === 'DISABLED'
    ? `For a pause that survives deploys, set "${SCHEDULE_ENABLED_SETTING}": false in the environment's file and deploy (set it back to resume).`
    : `A stack whose environment file sets "${SCHEDULE_ENABLED_SETTING}": false comes back paused at its next deploy; set it to true there to keep the schedule on.`);

function scheduleSwitchUsage(command: 'pause' | 'resume'): string {
  const pause = command === 'pause';
  return `Usage: npm run ops -- ${command} [--schedule-name NAME] [--schedule-group GROUP]

${
  pause
    ? `Disables the reaper's EventBridge Scheduler schedule now, without a deploy: no scheduled run starts until
\`npm run ops -- resume\`. A run in progress finishes; manual invokes (ops invoke) still work.`
    : `Enables the reaper's EventBridge Scheduler schedule now, without a deploy (undoes \`npm run ops -- pause\`):
the next tick runs the reaper again.`
}

The next \`cdk deploy\` restores the deployed setting (${SCHEDULE_ENABLED_SETTING}). A pause that survives deploys
is "${SCHEDULE_ENABLED_SETTING}": false in the environment's file (environments/<env>.json), then a deploy.

It reads the schedule (GetSchedule) and writes it back whole with the new state: UpdateSchedule replaces every
field, so each one is carried over. Needs scheduler:GetSchedule, scheduler:UpdateSchedule, and iam:PassRole on
the schedule's role.

Options:
  --schedule-name NAME   the schedule (default: ${'$'}${STACK_OUTPUTS.scheduleName.env}, else the ${STACK_OUTPUTS.scheduleName.output} output in ${DEFAULT_OUTPUTS_FILE})
  --schedule-group NAME  its schedule group (default: ${DEFAULT_SCHEDULE_GROUP}, where the stack puts it)
  --outputs-file FILE    where to read stack outputs (default ${DEFAULT_OUTPUTS_FILE}, from: npx cdk deploy --outputs-file ${DEFAULT_OUTPUTS_FILE})
  --stack-name NAME      the stack in that file, when it holds several

Uses the usual AWS settings (AWS_PROFILE, AWS_REGION, …; AWS_ENDPOINT_URL_SCHEDULER for a local endpoint).
It says its target (schedule, region, endpoint or account) on stderr first.
Exit codes: 0 ${pause ? 'paused (or already paused)' : 'resumed (or already enabled)'}; 1 the schedule could not be read or updated; 2 usage or configuration error.`;
}

/** `ops pause` and `ops resume`: set the schedule's state, carrying every other field over. */
const scheduleSwitch = (command: 'pause' | 'resume'): OpsCommand => ({
  usage: scheduleSwitchUsage(command),
  flags: {
    'schedule-name': { type: 'string' },
    'schedule-group': { type: 'string' },
    ...STACK_OUTPUTS_FLAGS,
  },
  run: (values, _, io) => switchSchedule(command, values, io),
});
export const pauseCommand = scheduleSwitch('pause');
export const resumeCommand = scheduleSwitch('resume');

async function switchSchedule(command: 'pause' | 'resume', values: Record<string, unknown>, io: OpsIo): Promise<number> {
  const { value: name, source, sources } = resolveNamed(STACK_OUTPUTS.scheduleName, values, io);
  const group = (values['schedule-group'] as string | undefined) ?? DEFAULT_SCHEDULE_GROUP;
  const wanted: ScheduleState = command === 'pause' ? 'DISABLED' : 'ENABLED';
  const scheduler = schedulerClient(io);
  const where = `schedule ${name} (group ${group})`;
  const target = await describeTarget(where, source, scheduler, 'SCHEDULER', io, sources);
  io.stderr(targetLine(command, target));

  const current = await stepOn(target, `reading ${where}`, () => scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
  if (current.State === wanted) {
    io.stdout(`The ${where} is already ${wanted}; nothing changed.\n${deployNote(wanted)}\n`);
    return EXIT.ok;
  }
  try {
    await scheduler.send(new UpdateScheduleCommand(updateWithState(name, current, wanted)));
  } catch (error) {
    throw new TargetFailedError(`updating ${where} failed; it is still ${current.State ?? 'unknown'}: ${errorMessage(error)}`);
  }
  const effect =
    wanted === 'DISABLED'
      ? 'No scheduled run starts until `npm run ops -- resume`; a run in progress finishes, manual invokes still work.'
      : `The next tick (${current.ScheduleExpression}) runs the reaper.`;
  io.stdout(
    `${command === 'pause' ? 'Paused' : 'Resumed'}: the ${where} was ${current.State}, is now ${wanted}. ${effect}\n${deployNote(wanted)}\n`,
  );
  return EXIT.ok;
}
