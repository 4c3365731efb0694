import { describe, expect, it } from 'vitest';
import { API_SCENARIOS } from './api-scenarios';
import { casesOf } from './catalogue';
import { Resources } from './fault-kit';


describe.concurrent('API faults: the local Scenario stand-in misbehaves at its socket; ky, the adapter and the core are the real ones', () => {
  for (const c of casesOf('API')) {
    it(`${c.fault} → ${c.expected.outcome}`, async () => {
      const resources = new Resources();
      try {
        expect(await API_SCENARIOS[c.id](resources)).toEqual(c.expected);
      } finally {
        await resources.closeAll();
      }
    });
  }
});
