import { inject } from 'vitest';

/**
 * Points the AWS SDK's standard settings (region, credentials, AWS_ENDPOINT_URL_*) at the local servers, the way a
 * Lambda's environment points it at AWS, so code that builds its own clients (the handler) talks to them.
 * Returns a function that restores the environment as it was.
 */
export function useLocalAwsEnvironment(endpoints: { secretsManager: string }): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
  });
  return () => {
    process.env = saved;
  };
}
