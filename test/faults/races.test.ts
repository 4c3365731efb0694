import { describeCatalogueArea } from './catalogue-tests';
import { RACE_SCENARIOS } from './race-scenarios';

describeCatalogueArea(
  'races: overlapping runs, writers between read, claim, unlock and update, grace and clock skew',
  'Races',
  RACE_SCENARIOS,
);
