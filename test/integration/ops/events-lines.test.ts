import { describe, expect, it } from 'vitest';
import { EXIT } from '#ops/kit/exit-codes';
import { useOperatorWorld } from '#test-support/operator-world';

/**
 * ops events reads the events' log group line by line, through the real CloudWatch Logs client against the stand-in:
 * a line that says it is the reaper's lock event (its source) but is not one is reported as not understood, never
 * listed as an event.
 */

const world = useOperatorWorld({ logs: { pageSize: 2 } });

const MINUTE = 60_000;
const released = (id: string, assetId: string, overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '0',
    id,
    'detail-type': 'Canvas Lock Released',
    source: 'canvas-lock-reaper',
    time: new Date(Date.now() - 10 * MINUTE).toISOString(),
    detail: { eventId: `run-1:${assetId}:Canvas Lock Released`, runId: 'run-1', trigger: 'scheduled', assetId },
    ...overrides,
  });

describe('ops events and lines it does not understand', () => {
  it('reports a line with the reaper source that is not a lock event (where, why), lists the others, exits 1', async () => {
    const put = (minutesAgo: number, message: string, logStreamName = 'events') =>
      world.logs.putLogEvent(world.logGroup, { logStreamName, timestamp: Date.now() - minutesAgo * MINUTE, message });
    put(20, released('ev-good', 'asset_good'));
    const oddAtMs = Date.now() - 15 * MINUTE;
    world.logs.putLogEvent(world.logGroup, {
      logStreamName: 'odd-stream',
      timestamp: oddAtMs,
      message: released('ev-odd', 'asset_odd', { time: undefined, 'detail-type': 7 }),
    });
    put(12, JSON.stringify({ source: 'someone-else', id: 'x', detail: {} })); // not ours: skipped, as before
    put(11, 'a line that is not JSON at all');

    for (const flags of [[], ['--json']]) {
      const { code, stdout, stderr } = await world.ops(['events', '--events-log-group', world.logGroup, ...flags]);
      expect(code).toBe(EXIT.failed);
      expect(stdout).toContain('asset_good');
      expect(stdout).not.toContain('asset_odd');
      expect(stdout).not.toContain('undefined');
      expect(stderr).toContain(
        `ops events: not understood: a "canvas-lock-reaper" line (log group ${world.logGroup}, stream odd-stream, logged at ${new Date(oddAtMs).toISOString()}) is not a lock event: detail-type is 7, time is missing`,
      );
    }
    const json = await world.ops(['events', '--events-log-group', world.logGroup, '--json']);
    expect(JSON.parse(json.stdout).map((event: { id: string }) => event.id)).toEqual(['ev-good']);
  });

  it('reports a time that Date.parse reads but is no ISO-8601 date-time with a zone ("1" is 2001 to it), never lists it', async () => {
    const oddAtMs = Date.now() - 5 * MINUTE;
    for (const [index, time] of ['1', '2026-12-02', '2026-02-30T01:00:00Z'].entries())
      world.logs.putLogEvent(world.logGroup, {
        logStreamName: 'odd-times',
        timestamp: oddAtMs + index,
        message: released(`ev-${index}`, `asset_${index}`, { time }),
      });
    const { code, stdout, stderr } = await world.ops(['events', '--events-log-group', world.logGroup, '--json']);
    expect(code).toBe(EXIT.failed);
    expect(JSON.parse(stdout)).toEqual([]);
    for (const time of ['1', '2026-12-02', '2026-02-30T01:00:00Z']) expect(stderr).toContain(`is not a lock event: time is "${time}"`);
  });

  it('exits 0 when every line of the reaper is a lock event', async () => {
    world.logs.putLogEvent(world.logGroup, {
      logStreamName: 'events',
      timestamp: Date.now() - MINUTE,
      message: released('ev-1', 'asset_one'),
    });
    const { code, stdout, stderr } = await world.ops(['events', '--events-log-group', world.logGroup]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('Canvas Lock Released  asset_one  scheduled  run-1');
    expect(stderr).not.toContain('not understood');
  });
});
