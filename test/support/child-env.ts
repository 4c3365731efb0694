import path from 'node:path';
import { inject } from 'vitest';

/**
 * The environment of a command run as its own process against the local servers, as a person's shell would give it:
 * only PATH from this machine, an empty home (no ~/.aws of the machine running the tests takes part), local AWS
 * credentials and region, and the local DynamoDB's endpoint. Variables given as undefined are removed.
 */
export function isolatedProcessEnv(home: string, more: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    // The credentials chain would otherwise ask an EC2 metadata endpoint: tests stay off the network.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    ...more,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
