import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients, DYNAMODB_CONNECTION_TIMEOUT_MS, DYNAMODB_REQUEST_TIMEOUT_MS } from '#reaper/wiring';
import { useLocalAwsEnvironment } from '#test-support/local-aws-environment';

/**
 * The DynamoDB client every run and command builds has a request and a connection timeout (a hung call then ends as
 * a store-error: see the "every Scan hangs" row of the fault catalogue, which uses the same factory with shorter
 * bounds). Here: the production client, as built from the environment, carries the production bounds.
 */

let restore: () => void;
beforeEach(() => {
  restore = useLocalAwsEnvironment({ secretsManager: 'http://127.0.0.1:9' });
});
afterEach(() => restore());

describe('createAwsClients', () => {
  it('gives the DynamoDB client a request timeout that ends the attempt, and a connection timeout', async () => {
    const { dynamo, secrets } = createAwsClients();
    try {
      // The SDK's HTTP handler resolves its settings at the first request.
      await dynamo.send(new ListTablesCommand({ Limit: 1 }));
      // The handler is the SDK's NodeHttpHandler; its type here is the union of what the config accepts.
      const handler = dynamo.config.requestHandler as unknown as { httpHandlerConfigs(): Record<string, unknown> };
      expect(handler.httpHandlerConfigs()).toMatchObject({
        requestTimeout: DYNAMODB_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
        connectionTimeout: DYNAMODB_CONNECTION_TIMEOUT_MS,
      });
    } finally {
      dynamo.destroy();
      secrets.destroy();
    }
  });
});
