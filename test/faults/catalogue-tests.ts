import { describe, expect, it } from 'vitest';
import { casesOf, type Area, type CaseIdOf } from './catalogue';
import { Resources, type Observed } from './fault-kit';

/** Test names carry the expected outcome; long ones are cut so the reporter stays readable. */
const MAX_OUTCOME_IN_NAME = 120;

/**
 * One test per catalogued fault of `area`: runs its scenario against the real parts and compares what happened,
 * in the catalogue's words, with the catalogue's expectation. Resources are closed whatever the result.
 */
export function describeCatalogueArea<A extends Area>(
  title: string,
  area: A,
  scenarios: Record<CaseIdOf<A>, (resources: Resources) => Promise<Observed>>,
): void {
  describe.concurrent(title, () => {
    for (const c of casesOf(area)) {
      it(`${c.fault} → ${c.expected.outcome.slice(0, MAX_OUTCOME_IN_NAME)}`, async () => {
        const resources = new Resources();
        try {
          expect(await scenarios[c.id as CaseIdOf<A>](resources)).toEqual(c.expected);
        } finally {
          await resources.closeAll();
        }
      });
    }
  });
}
