import { describe, expect, it } from 'vitest';
import { captureOutput } from '#test-support/output-capture';
import { API_SCENARIOS } from './api-scenarios';
import { FAULT_CASES } from './catalogue';
import { DYNAMO_SCENARIOS } from './dynamo-scenarios';
import type { Observed } from './expectations';
import { Resources, secretsOf } from './fault-kit';
import { HOSTILE_SCENARIOS } from './hostile-scenarios';

const SCENARIOS: Record<string, (r: Resources) => Promise<Observed>> = { ...API_SCENARIOS, ...DYNAMO_SCENARIOS, ...HOSTILE_SCENARIOS };

async function eachWithConcurrency<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe('secrets', () => {
  it('no API secret, Authorization value or signed-URL signature reaches stdout, stderr, a summary, a CLI line or a thrown error, in any API, DynamoDB or hostile-input scenario', async () => {
    const ids = Object.keys(SCENARIOS);
    expect(ids.sort()).toEqual(
      FAULT_CASES.filter((c) => c.area !== 'Races')
        .map((c) => c.id)
        .sort(),
    );
    const done: { id: string; resources: Resources }[] = [];

    const { output } = await captureOutput(() =>
      eachWithConcurrency(ids, 6, async (id) => {
        const resources = new Resources();
        done.push({ id, resources });
        try {
          await SCENARIOS[id]!(resources);
        } finally {
          await resources.closeAll();
        }
      }),
    );

    const leaks: string[] = [];
    let secretsChecked = 0;
    let signatures = 0;
    for (const { id, resources } of done) {
      const summaries = JSON.stringify(resources.results.map((result) => [result.summary, result.outcomes]));
      // Output that left another way: child processes, thrown errors (what the failure queue keeps), CLI lines.
      const texts = resources.texts.join('\n');
      for (const h of resources.harnesses) {
        signatures += h.api.issuedSignatures.length;
        for (const secret of secretsOf(h)) {
          secretsChecked += 1;
          if (output.includes(secret)) leaks.push(`${id}: output shows ${secret.slice(0, 12)}…`);
          if (summaries.includes(secret)) leaks.push(`${id}: a summary shows ${secret.slice(0, 12)}…`);
          if (texts.includes(secret)) leaks.push(`${id}: a CLI line, a child process or a thrown error shows ${secret.slice(0, 12)}…`);
        }
      }
    }
    expect(leaks).toEqual([]);
    // The check has teeth: the stand-ins handed out signed URLs (in unlocked assets and a hostile error body),
    // and the output holds the log lines that carried them, redacted.
    expect(signatures).toBeGreaterThan(100);
    expect(secretsChecked).toBeGreaterThan(signatures);
    expect(output).toContain('"message":"canvas unlocked"');
    expect(output).toContain('"redactedUrls":["');
    expect(done).toHaveLength(ids.length);
    // Every API, DynamoDB and hostile-input scenario runs here (some start real processes): a bound for a hung one,
    // not a speed requirement, above the 30 s a single test gets by default.
  }, 240_000);
});
