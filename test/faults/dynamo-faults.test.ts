import { describe, expect, it } from 'vitest';
import { casesOf } from './catalogue';
import { DYNAMO_SCENARIOS } from './dynamo-scenarios';
import { Resources } from './fault-kit';

describe.concurrent('DynamoDB faults: injected by a proxy in front of the local DynamoDB server; the SDK client and the store are the real ones', () => {
  for (const c of casesOf('DynamoDB')) {
    it(`${c.fault} → ${c.expected.outcome}`, async () => {
      const resources = new Resources();
      try {
        expect(await DYNAMO_SCENARIOS[c.id](resources)).toEqual(c.expected);
      } finally {
        await resources.closeAll();
      }
    });
  }
});
