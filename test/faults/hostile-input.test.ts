import { describeCatalogueArea } from './catalogue-tests';
import { HOSTILE_SCENARIOS } from './hostile-scenarios';

describeCatalogueArea(
  'hostile rows, payloads and ids: each gets a clear error or a skip with its reason, and no request leaves /assets/{id}/unlock',
  'Hostile input',
  HOSTILE_SCENARIOS,
);
