import { describeCatalogueArea } from './catalogue-tests';
import { DYNAMO_SCENARIOS } from './dynamo-scenarios';

describeCatalogueArea(
  'DynamoDB faults: injected by a proxy in front of the local DynamoDB server; the SDK client and the store are the real ones',
  'DynamoDB',
  DYNAMO_SCENARIOS,
);
