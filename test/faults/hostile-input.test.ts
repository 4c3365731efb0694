import { describe, expect, it } from 'vitest';
import { casesOf } from './catalogue';
import { Resources } from './fault-kit';
import { HOSTILE_SCENARIOS } from './hostile-scenarios';

describe.concurrent('hostile rows, payloads and ids: each gets a clear error or a skip with its reason, and no request leaves /assets/{id}/unlock', () => {
  for (const c of casesOf('Hostile input')) {
    it(`${c.fault} → ${c.expected.outcome.slice(0, 120)}`, async () => {
      const resources = new Resources();
      try {
        expect(await HOSTILE_SCENARIOS[c.id](resources)).toEqual(c.expected);
      } finally {
        await resources.closeAll();
      }
    });
  }
});
