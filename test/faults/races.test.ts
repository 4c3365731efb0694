import { describe, expect, it } from 'vitest';
import { casesOf } from './catalogue';
import { Resources } from './fault-kit';
import { RACE_SCENARIOS } from './race-scenarios';

describe.concurrent('races: overlapping runs, writers between read, claim, unlock and update, grace and clock skew', () => {
  for (const c of casesOf('Races')) {
    it(`${c.fault} → ${c.expected.outcome}`, async () => {
      const resources = new Resources();
      try {
        expect(await RACE_SCENARIOS[c.id](resources)).toEqual(c.expected);
      } finally {
        await resources.closeAll();
      }
    });
  }
});
