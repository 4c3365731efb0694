import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_CASES } from './catalogue';
import { reliabilityDoc } from './print-reliability-table';
import { expectedText } from './prose';

describe('docs/reliability.md', () => {
  it('is exactly the table generated from the fault catalogue (regenerate: npx tsx test/faults/print-reliability-table.ts > docs/reliability.md)', () => {
    expect(readFileSync(join(process.cwd(), 'docs', 'reliability.md'), 'utf8')).toBe(reliabilityDoc());
  });

  it('lists every fault once, each with all its outcome columns filled', () => {
    const ids = FAULT_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of FAULT_CASES) {
      for (const value of [c.fault, ...Object.values(expectedText(c.expected))]) expect(value.trim()).not.toBe('');
    }
    // Each case appears as one table row.
    const doc = reliabilityDoc();
    expect(doc.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Fault injected')).length).toBe(FAULT_CASES.length);
  });
});
