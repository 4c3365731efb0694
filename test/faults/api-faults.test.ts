import { API_SCENARIOS } from './api-scenarios';
import { describeCatalogueArea } from './catalogue-tests';

describeCatalogueArea(
  'API faults: the local Scenario stand-in misbehaves at its socket; ky, the adapter and the core are the real ones',
  'API',
  API_SCENARIOS,
);
