import { describe, expect, it } from 'vitest';
import { type Area, type CaseIdOf, casesOf, type FaultCase } from './catalogue';
import type { Observed } from './expectations';
import { Resources } from './fault-kit';
import { outcomeText } from './prose';

/** Test names carry the expected outcome (in the doc's words); long ones are cut so the reporter stays readable. */
const MAX_OUTCOME_IN_NAME = 120;

/**
 * Compares what a scenario observed with its catalogue row. A failure names the row (its id) and shows the columns
 * that differ; a rule over several rows is observed as the list of what breaks it, so the diff shows those ids.
 */
export function expectAsCatalogued(c: FaultCase, observed: Observed): void {
  expect(observed, `catalogue row ${c.id} (${c.fault})`).toEqual(c.expected);
}

/**
 * One test per catalogued fault of `area`: runs its scenario against the real parts and compares the values it
 * observed with the catalogue's expected values. The test's name gives the expected outcome in the doc's words.
 * Resources are closed whatever the result.
 */
export function describeCatalogueArea<A extends Area>(
  title: string,
  area: A,
  scenarios: Record<CaseIdOf<A>, (resources: Resources) => Promise<Observed>>,
): void {
  describe.concurrent(title, () => {
    for (const c of casesOf(area)) {
      it(`${c.fault} → ${outcomeText(c.expected.outcome).slice(0, MAX_OUTCOME_IN_NAME)}`, async () => {
        const resources = new Resources();
        try {
          expectAsCatalogued(c, await scenarios[c.id as CaseIdOf<A>](resources));
        } finally {
          await resources.closeAll();
        }
      });
    }
  });
}
