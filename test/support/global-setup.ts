import 'vitest';
import type { TestProject } from 'vitest/node';
import { startLocalDynamoDb } from '#local/local-dynamodb';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** One local DynamoDB server for the whole test run; test files isolate themselves by table name. */
export default async function setup(project: TestProject) {
  const dynamo = await startLocalDynamoDb();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.close();
  };
}
