/** What Scheduler sends for the stack's schedule (infra/constructs/reaper-schedule.ts), its per-tick fields filled in. */
export const scheduleTick = {
  source: 'aws.scheduler',
  'detail-type': 'Scheduled Event',
  time: '2026-11-27T10:05:00Z',
  resources: ['arn:aws:scheduler:eu-west-1:123456789012:schedule/default/CanvasLockReaper-Schedule'],
};

/** An EventBridge rule's scheduled event, as the EventBridge documentation shows it. */
export const ruleEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-27T10:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/reaper'],
  detail: {},
};
