import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback-server';

export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LambdaStandIn {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_LAMBDA or a LambdaClient's `endpoint`. */
  endpoint: string;
  readonly invocations: { functionName: string; payload: unknown }[];
  /**
   * The next `count` invocations start as usual, but their connection is cut before any answer, as a network
   * drop during a long run does: the caller cannot know the outcome, and the function keeps running.
   */
  dropConnections(count: number): void;
  /** The function's environment, as GetFunctionConfiguration (GET …/functions/{name}/configuration) answers it. */
  setEnvironment(functionName: string, variables: Record<string, string>): void;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations(?:\?.*)?$/;
const CONFIGURATION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/configuration(?:\?.*)?$/;

/**
 * Answers the Lambda Invoke API (REST: POST /2015-03-31/functions/{name}/invocations) by running a local function,
 * the way the service does: the result as the body, or a thrown error as X-Amz-Function-Error with
 * {errorType, errorMessage}. Unknown names get ResourceNotFoundException. GetFunctionConfiguration answers with the
 * environment set for the function (ops explain reads the deployed settings there).
 */
export async function startLambdaStandIn(functions: Record<string, LocalFunction>): Promise<LambdaStandIn> {
  const invocations: { functionName: string; payload: unknown }[] = [];
  const runsCutOff = new Set<Promise<unknown>>();
  let connectionsToDrop = 0;
  const environments = new Map<string, Record<string, string>>();
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const configuration = CONFIGURATION_PATH.exec(request.url ?? '');
    if (request.method === 'GET' && configuration) {
      const name = decodeURIComponent(configuration[1]!);
      const variables = environments.get(name);
      if (!functions[name] || !variables) {
        response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ FunctionName: name, Environment: { Variables: variables } }));
      return;
    }
    const match = INVOKE_PATH.exec(request.url ?? '');
    const functionName = match ? decodeURIComponent(match[1]!) : '';
    const run = functions[functionName];
    if (request.method !== 'POST' || !run) {
      response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
      response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
      return;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const payload: unknown = text ? JSON.parse(text) : null;
    invocations.push({ functionName, payload });
    if (connectionsToDrop > 0) {
      connectionsToDrop -= 1;
      const stillRunning: Promise<unknown> = run(payload)
        .catch(() => undefined)
        .finally(() => runsCutOff.delete(stillRunning));
      runsCutOff.add(stillRunning);
      request.socket.destroy();
      return;
    }
    try {
      const result = await run(payload);
      response.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
      response.end(JSON.stringify(result ?? null));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
      response.end(JSON.stringify({ errorType: failure.name, errorMessage: failure.message }));
    }
  });
  const listening = await listenOnLoopback(server);
  return {
    endpoint: listening.origin,
    invocations,
    setEnvironment: (functionName, variables) => {
      environments.set(functionName, { ...variables });
    },
    dropConnections: (count) => {
      connectionsToDrop += count;
    },
    close: async () => {
      await listening.close();
      await Promise.all(runsCutOff);
    },
  };
}
