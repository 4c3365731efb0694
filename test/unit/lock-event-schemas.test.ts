import { describe, expect, it } from 'vitest';
import { LOCK_EVENT_TYPE_NAMES } from '#reaper/core/lock-events';
import { lockEventSchemas, schemaProblems } from '#test-support/lock-event-schemas';

/** The small validator the lock-events integration test checks emitted events with: it must catch what it claims to. */
describe('the lock event schemas of docs/events.md, and their validator', () => {
  const schemas = lockEventSchemas();
  const released = schemas.get('Canvas Lock Released');
  const good = {
    eventId: 'r:asset_a:Canvas Lock Released',
    runId: 'r',
    trigger: 'scheduled',
    assetId: 'asset_a',
    projectId: 'default',
    releasedAt: '2026-12-01T00:00:00.000Z',
    lockExpiresAt: '2026-11-30T23:00:00.000Z',
    lockId: null,
    verifiedAtSource: true,
    sourceLockExpiresAt: null,
    attempts: 1,
    possibleLiveLockUnlock: false,
    asset: { assetId: 'asset_a' },
  };

  it('holds one schema per detail-type', () => {
    expect([...schemas.keys()].sort()).toEqual([...LOCK_EVENT_TYPE_NAMES].sort());
  });

  it('accepts a conforming detail', () => {
    expect(schemaProblems(released, good)).toEqual([]);
  });

  it('reports a missing field, a wrong type, a value outside an enum, a bad date and an undocumented field', () => {
    const { lockId: _lockId, ...missing } = good;
    expect(schemaProblems(released, missing)).toEqual(['detail.lockId: missing']);
    expect(schemaProblems(released, { ...good, attempts: '1' })).toEqual(['detail.attempts: "1" is not integer or null']);
    expect(schemaProblems(released, { ...good, trigger: 'cron' })).toHaveLength(1);
    expect(schemaProblems(released, { ...good, releasedAt: 'yesterday' })).toEqual([
      'detail.releasedAt: yesterday is not an ISO-8601 UTC date-time',
    ]);
    expect(schemaProblems(released, { ...good, holder: 'x' })).toEqual(['detail.holder: not in the schema']);
    expect(schemaProblems(schemas.get('Reaper Brake Engaged'), { share: 2 })).toContain('detail.share: 2 > 1');
  });
});
