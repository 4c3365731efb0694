import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StandInSchedule } from '#local/scheduler-stand-in';
import { EXIT } from '#ops/kit/exit-codes';
import { useOperatorWorld } from '#test-support/operator-world';

/**
 * ops pause and ops resume, through the real Scheduler client against the stand-in: the one field they change (every
 * other field carried over), where they find the schedule, and what they say when it is missing or already so.
 */

const SCHEDULE = 'reaper-schedule';
const world = useOperatorWorld();
const ops = world.ops;

describe('ops pause / ops resume', () => {
  const deployed: Omit<StandInSchedule, 'CreationDate' | 'LastModificationDate'> = {
    Name: SCHEDULE,
    GroupName: 'default',
    Arn: `arn:aws:scheduler:local:000000000000:schedule/default/${SCHEDULE}`,
    Description: 'Runs the canvas lock reaper',
    ScheduleExpression: 'cron(0/5 * * * ? *)',
    ScheduleExpressionTimezone: 'Europe/Paris',
    StartDate: 1_790_000_000,
    EndDate: 1_990_000_000,
    KmsKeyArn: 'arn:aws:kms:local:000000000000:key/1234',
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 4 },
    ActionAfterCompletion: 'NONE',
    Target: {
      Arn: 'arn:aws:lambda:local:000000000000:function:reaper',
      RoleArn: 'arn:aws:iam::000000000000:role/schedule',
      Input: '{"source":"aws.scheduler","time":"<aws.scheduler.scheduled-time>"}',
      RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:local:000000000000:undelivered-ticks' },
    },
  };
  beforeEach(() => world.scheduler.addSchedule(deployed));
  const withoutDates = ({ LastModificationDate: _l, CreationDate: _c, ...rest }: StandInSchedule) => rest;

  it('pause disables the schedule and carries every other field over (UpdateSchedule replaces the whole schedule); resume enables it', async () => {
    const paused = await ops(['pause', '--schedule-name', SCHEDULE]);
    expect(paused.code).toBe(EXIT.ok);
    expect(paused.stderr.split('\n')[0]).toBe(
      `ops pause: schedule ${SCHEDULE} (group default) (from --schedule-name), region local, endpoint ${world.scheduler.endpoint}`,
    );
    expect(paused.stdout).toContain(`the schedule ${SCHEDULE} (group default) was ENABLED, is now DISABLED`);
    expect(paused.stdout).toContain('The next `cdk deploy` restores the deployed setting');
    expect(paused.stdout).toContain('set "reaper:scheduleEnabled": false in the environment\'s file and deploy');
    expect(withoutDates(world.scheduler.schedule(SCHEDULE)!)).toEqual({ ...deployed, State: 'DISABLED' });

    const resumed = await ops(['resume', '--schedule-name', SCHEDULE]);
    expect(resumed.code).toBe(EXIT.ok);
    expect(resumed.stdout).toContain('was DISABLED, is now ENABLED');
    expect(resumed.stdout).toContain('The next `cdk deploy` restores the deployed setting');
    expect(withoutDates(world.scheduler.schedule(SCHEDULE)!)).toEqual(deployed);
  });

  it('changes nothing when the schedule is already in the wanted state', async () => {
    const updatesBefore = world.scheduler.updates.length;
    const { code, stdout } = await ops(['resume', '--schedule-name', SCHEDULE]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('is already ENABLED; nothing changed');
    expect(world.scheduler.updates.length).toBe(updatesBefore);
  });

  it('finds the schedule in REAPER_SCHEDULE_NAME or cdk-outputs.json, and says how to name it when neither has it', async () => {
    const missing = await ops(['pause']);
    expect(missing.code).toBe(EXIT.usageOrConfig);
    expect(missing.stderr).toContain('no schedule name');
    expect(missing.stderr).toContain(
      'pass --schedule-name, set REAPER_SCHEDULE_NAME, or deploy with: npx cdk deploy --outputs-file cdk-outputs.json',
    );

    writeFileSync(
      path.join(world.cwd, 'cdk-outputs.json'),
      JSON.stringify({ CanvasLockReaper: { ScheduleName: SCHEDULE, FunctionName: 'reaper' } }),
    );
    expect((await ops(['pause'])).code).toBe(EXIT.ok);
    expect(world.scheduler.schedule(SCHEDULE)!.State).toBe('DISABLED');
    expect((await ops(['resume'], { env: { REAPER_SCHEDULE_NAME: SCHEDULE } })).code).toBe(EXIT.ok);
    expect(world.scheduler.schedule(SCHEDULE)!.State).toBe('ENABLED');
  });

  it('exits 1 when the schedule does not exist, and 2 on a bad flag', async () => {
    const unknown = await ops(['pause', '--schedule-name', 'no-such-schedule']);
    expect(unknown.code).toBe(EXIT.failed);
    expect(unknown.stderr).toContain('reading schedule no-such-schedule (group default) failed');
    expect(unknown.stderr).toContain(
      `schedule no-such-schedule (group default) was not found at ${world.scheduler.endpoint}; its name came from --schedule-name`,
    );
    const bad = await ops(['resume', '--state', 'on']);
    expect(bad.code).toBe(EXIT.usageOrConfig);
    expect(bad.stderr).toContain('Usage: npm run ops -- resume');
  });

  it('each has its own --help naming the durable setting', async () => {
    for (const command of ['pause', 'resume']) {
      const { code, stdout } = await ops([command, '--help']);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toContain(`Usage: npm run ops -- ${command}`);
      expect(stdout).toContain('"reaper:scheduleEnabled": false in the environment\'s file (environments/<env>.json)');
      expect(stdout).toContain('iam:PassRole');
    }
  });
});
