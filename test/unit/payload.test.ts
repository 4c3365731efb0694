import { describe, expect, it } from 'vitest';
import { MAX_ASSET_IDS_PER_RUN, MAX_PAYLOAD_PROBLEMS, PayloadError, parseInvocation } from '#reaper/payload';
import { ruleEvent, scheduleTick } from '#test-support/scheduled-events';

function problemsOf(payload: unknown): string[] {
  try {
    parseInvocation(payload);
  } catch (error) {
    if (error instanceof PayloadError) return error.problems;
    throw error;
  }
  throw new Error('the payload was accepted');
}

describe('parseInvocation', () => {
  it("runs a normal reap for the schedule's input, an EventBridge rule's scheduled event, and an empty payload", () => {
    expect(parseInvocation(scheduleTick)).toEqual({ dryRun: false });
    expect(
      parseInvocation({
        ...scheduleTick,
        time: '2026-12-31T23:59:59.123Z',
        resources: ['arn:aws:scheduler:local:000000000000:schedule/default/s1'],
      }),
    ).toEqual({ dryRun: false });
    expect(parseInvocation(ruleEvent)).toEqual({ dryRun: false });
    expect(parseInvocation({ ...ruleEvent, id: 'ffffffff-0000-4000-8000-000000000000', region: 'us-gov-west-1' })).toEqual({
      dryRun: false,
    });
    expect(parseInvocation({})).toEqual({ dryRun: false });
    expect(parseInvocation(null)).toEqual({ dryRun: false });
  });

  it("validates an event look-alike as a manual payload and refuses it whole (the issue's example ran a real reap)", () => {
    expect(problemsOf({ source: 'ops', 'detail-type': 'manual', dryRun: true, assetIds: ['asset_x'] })).toEqual([
      'not a scheduled event (source "ops" is neither "aws.scheduler" nor "aws.events"); read as a manual payload',
      'unknown field "source"',
      'unknown field "detail-type"',
    ]);
  });

  it.each([
    [
      'the schedule input with a dryRun',
      { ...scheduleTick, dryRun: true },
      'as the stack\'s schedule input: field "dryRun" is not part of one',
    ],
    ['the schedule input with assetIds', { ...scheduleTick, assetIds: ['asset_x'] }, 'field "assetIds" is not part of one'],
    [
      'the schedule input without its time',
      { source: 'aws.scheduler', 'detail-type': 'Scheduled Event', resources: scheduleTick.resources },
      'no time',
    ],
    [
      'the schedule input with an unfilled placeholder',
      { ...scheduleTick, time: '<aws.scheduler.scheduled-time>' },
      'time "<aws.scheduler.scheduled-time>"',
    ],
    ['the schedule input naming a rule', { ...scheduleTick, resources: ruleEvent.resources }, 'resources'],
    ['the schedule input with another detail-type', { ...scheduleTick, 'detail-type': 'manual' }, 'detail-type "manual"'],
    ['a rule event with a detail', { ...ruleEvent, detail: { dryRun: true } }, "as an EventBridge rule's Scheduled Event: detail"],
    ['a rule event with graceSeconds', { ...ruleEvent, graceSeconds: 0 }, 'field "graceSeconds" is not part of one'],
    ['a rule event without its standard fields', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, 'no version'],
    ['a detail-type without a source', { 'detail-type': 'Scheduled Event' }, 'source undefined'],
  ])('refuses %s', (_name, payload, problem) => {
    const problems = problemsOf(payload);
    expect(problems[0]).toContain('not a scheduled event (');
    expect(problems[0]).toContain(problem);
  });

  it(`lists at most ${MAX_PAYLOAD_PROBLEMS} problems, then how many more`, () => {
    const payload = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`extra${i}`, i]));
    const problems = problemsOf({ ...payload, dryRun: 'yes' });
    expect(problems).toHaveLength(MAX_PAYLOAD_PROBLEMS + 1);
    expect(problems[0]).toBe('unknown field "extra0"');
    expect(problems[MAX_PAYLOAD_PROBLEMS]).toBe('…and 11 more');
    expect(() => parseInvocation(payload)).toThrow(/; …and 10 more\. Expected/);
  });

  it('takes a manual payload and de-duplicates asset ids', () => {
    expect(parseInvocation({ dryRun: true, assetIds: ['asset_a', 'asset_b', 'asset_a'], graceSeconds: 0 })).toEqual({
      dryRun: true,
      assetIds: ['asset_a', 'asset_b'],
      graceSeconds: 0,
    });
  });

  it('lists every problem of a bad payload at once', () => {
    const error = (() => {
      try {
        parseInvocation({ dryRun: 1, graceSeconds: 1.5, assetIds: 'asset_a', extra: true });
      } catch (e) {
        return e as PayloadError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PayloadError);
    expect(error?.problems).toEqual([
      'unknown field "extra"',
      'dryRun must be true or false, got 1',
      'graceSeconds must be a whole number of seconds from 0 to 604800, got 1.5',
      'assetIds must be an array of asset ids, got string',
    ]);
  });

  it.each([
    ['a string', 'run it', 'must be a JSON object, got string'],
    ['a number', 42, 'must be a JSON object, got number'],
    ['an empty list', { assetIds: [] }, 'assetIds is empty'],
    ['too many ids', { assetIds: Array.from({ length: MAX_ASSET_IDS_PER_RUN + 1 }, (_, i) => `asset_${i}`) }, 'at most 1000'],
    ['a non-string id', { assetIds: ['asset_a', 7] }, 'assetIds[1] 7: assetId must be a string'],
    ['an empty id', { assetIds: [''] }, 'assetIds[0] "": assetId is empty'],
    ['a path in an id', { assetIds: ['asset_a/../../admin'] }, 'assetIds[0] "asset_a/../../admin"'],
    ['an EventBridge look-alike with a bad detail-type', { source: 'x', 'detail-type': 5 }, 'unknown field "source"'],
    ['an event look-alike asking for a dry run', { source: 'ops', 'detail-type': 'manual', dryRun: true }, 'not a scheduled event'],
  ])('refuses %s', (_name, payload, message) => {
    expect(() => parseInvocation(payload)).toThrow(PayloadError);
    expect(() => parseInvocation(payload)).toThrow(message);
  });

  it('caps the listing of bad ids so a 10k-entry payload gives a readable error', () => {
    const ids = Array.from({ length: 900 }, (_, i) => `bad id ${i}`);
    try {
      parseInvocation({ assetIds: ids });
      expect.unreachable();
    } catch (error) {
      expect((error as PayloadError).problems).toHaveLength(6);
      expect((error as PayloadError).problems[5]).toBe('…more invalid assetIds not listed');
    }
  });
});

describe('project ids and field names are data (issue 16 item 5)', () => {
  it('refuses __proto__, constructor and prototype in projectIds by position; toString and hasOwnProperty are ids', () => {
    expect(() => parseInvocation(JSON.parse('{"projectIds":["proj_a","__proto__","constructor","prototype"]}'))).toThrow(
      /projectIds\[1\] "__proto__": projectId "__proto__" is reserved.*projectIds\[2\].*projectIds\[3\]/,
    );
    expect(parseInvocation({ projectIds: ['toString', 'hasOwnProperty'] })).toEqual({
      dryRun: false,
      projectIds: ['toString', 'hasOwnProperty'],
    });
  });

  it('a scheduled event with an extra field named after an inherited property is not a scheduled event', () => {
    const tick = {
      source: 'aws.scheduler',
      'detail-type': 'Scheduled Event',
      time: '2026-12-01T00:00:00Z',
      resources: ['arn:aws:scheduler:eu-west-1:123456789012:schedule/default/reaper'],
    };
    expect(parseInvocation(tick)).toEqual({ dryRun: false });
    expect(() => parseInvocation({ ...tick, toString: 'x' })).toThrow(/not a scheduled event/);
  });
});
