import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback-server';

export interface SecretsManagerStandIn {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SECRETS_MANAGER or a client's `endpoint`. */
  endpoint: string;
  setSecret(secretId: string, secretString: string | undefined): void;
  /** GetSecretValue calls per secret id (to see the cache work). */
  reads(secretId: string): number;
  close(): Promise<void>;
}

/**
 * Answers GetSecretValue the way Secrets Manager does (JSON 1.1 protocol: POST /, X-Amz-Target header), so the
 * real SecretsManagerClient can be pointed at it. Unknown secrets get ResourceNotFoundException.
 */
export async function startSecretsManagerStandIn(): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, string | undefined>();
  const readCounts = new Map<string, number>();
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return reply(400, { __type: 'UnknownOperationException', message: 'only GetSecretValue is served here' });
    }
    const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
    readCounts.set(SecretId, (readCounts.get(SecretId) ?? 0) + 1);
    if (!secrets.has(SecretId)) {
      return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    }
    const value = secrets.get(SecretId);
    reply(200, {
      ARN: `arn:aws:secretsmanager:local:000000000000:secret:${SecretId}`,
      Name: SecretId,
      VersionId: 'v1',
      ...(value === undefined ? { SecretBinary: 'AA==' } : { SecretString: value }),
      CreatedDate: 0,
    });
  });
  const listening = await listenOnLoopback(server);
  return {
    endpoint: listening.origin,
    setSecret: (secretId, secretString) => void secrets.set(secretId, secretString),
    reads: (secretId) => readCounts.get(secretId) ?? 0,
    close: listening.close,
  };
}
