import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import { errorMessage } from '#reaper/core/error-message';
import type { RunSummary } from '#reaper/core/summary';
import type { OpsCommand } from '../io';
import { checkAwsSetup } from '../kit/aws-setup';
import { EXIT, exitCodeFor } from '../kit/exit-codes';
import { clippedForReport } from '../kit/not-understood';
import { RUN_FLAGS, runFlagsRequest } from '../kit/run-flags';
import { runSummaryProblem } from '../kit/run-summary-problem';
import { renderRunSummary, unlockedLine } from '../kit/run-summary-table';
import { terminalSafe } from '../kit/terminal-text';
import { UsageError } from '../kit/usage-error';
import { findStackOutput, STACK_OUTPUTS, STACK_OUTPUTS_FLAGS, sourcesFromFlags } from '../stack-outputs';
import { describeTarget, localWorldHint, resolveNamed, targetLine } from '../target';

export const INVOKE_USAGE = `Usage: npm run ops -- invoke [--dry-run] [--asset-id ID]... [--project ID]... [--grace-seconds N] [--override-brake] [--function-name NAME] [--json]

Invokes the deployed reaper through the Lambda API (synchronously) with a manual payload and prints the run
summary it returns. The call is made once, never retried: if the connection drops during the run, the run may
still be going, and the command says where to look instead of starting a second one.

Options:
  --dry-run             report what would be unlocked; unlock nothing
  --asset-id ID         only these canvases (repeat; at most 1000)
  --project ID          only canvases of these Scenario projects (repeat; "default": rows without projectId)
  --grace-seconds N     another grace for this run
  --override-brake      release the mass-expiry brake for the projects the run covers (all, or --project): it
                        unlocks the stale locks held there and records the release
  --function-name NAME  the function (default: ${'$'}REAPER_FUNCTION_NAME, else the FunctionName output in cdk-outputs.json)
  --outputs-file FILE   where to read stack outputs (default cdk-outputs.json, from: npx cdk deploy --outputs-file cdk-outputs.json)
  --stack-name NAME     the stack in that file, when it holds several
  --json                print the summary as JSON

Uses the usual AWS settings (AWS_PROFILE, AWS_REGION, …; AWS_ENDPOINT_URL_LAMBDA for a local endpoint).
It says its target (function, region, endpoint or account) on stderr first.
Exit codes: 0 the run had no failure; 1 a canvas failed, a row is invalid, the run stopped early, or the
invocation failed; 2 usage or configuration error.`;

export const invokeCommand: OpsCommand = {
  usage: INVOKE_USAGE,
  flags: {
    ...RUN_FLAGS,
    'function-name': { type: 'string' },
    ...STACK_OUTPUTS_FLAGS,
    json: { type: 'boolean' },
  },
  run: async (values, _, io) => {
    const problems: string[] = [];
    const payload = runFlagsRequest(values, problems);
    if (problems.length > 0) throw new UsageError(problems.join('; '));

    const { value: functionName, source, sources } = resolveNamed(STACK_OUTPUTS.functionName, values, io);

    const lambda = createInvokeClient();
    let answer: InvokeCommandOutput;
    try {
      await checkAwsSetup([lambda], io.env);
      const target = await describeTarget(`function ${functionName}`, source, lambda, 'LAMBDA', io, sources);
      io.stderr(targetLine('invoke', target));
      try {
        answer = await lambda.send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'RequestResponse',
            Payload: Buffer.from(JSON.stringify(payload)),
          }),
        );
      } catch (error) {
        const logGroup = findStackOutput(STACK_OUTPUTS.logGroupName, sourcesFromFlags(undefined, values, io));
        io.stderr(`ops invoke: ${invokeFailure(functionName, error, logGroup)}${localWorldHint(error, target)}\n`);
        return EXIT.failed;
      }
    } finally {
      lambda.destroy();
    }
    const body = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
    if (answer.FunctionError) {
      let detail = body;
      try {
        const parsed = JSON.parse(body) as { errorType?: string; errorMessage?: string };
        detail = `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage ?? body}`;
      } catch {
        // not JSON: print it as it came
      }
      io.stderr(`ops invoke: the run failed (${answer.FunctionError}): ${terminalSafe(detail)}\n`);
      return EXIT.failed;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      io.stderr(`ops invoke: the function answered something that is not a run summary (${body.length} bytes)\n`);
      return EXIT.failed;
    }
    const problem = runSummaryProblem(parsed);
    if (problem) {
      io.stderr(
        `ops invoke: ${functionName} answered JSON that is not a run summary (${problem}); is it the reaper? It answered: ${clippedForReport(body)}\n`,
      );
      return EXIT.failed;
    }
    const summary = parsed as RunSummary;
    io.stdout(
      values.json
        ? `${jsonForTerminal(summary, 2)}\n`
        : `${renderRunSummary(summary, [['function', functionName]])}${unlockedLine(summary)}\n`,
    );
    return exitCodeFor(summary);
  },
};

/**
 * One attempt only. A reap runs for minutes; the SDK's default retries would send a second Invoke when the
 * connection drops mid-run, and two runs would then work the table at once.
 */
export function createInvokeClient(): LambdaClient {
  return new LambdaClient({ maxAttempts: 1 });
}

/** Connection errors that prove the request never reached Lambda, so nothing was invoked. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Why the Invoke call failed, and for a connection lost mid-run, that the run may go on and where to look. */
function invokeFailure(functionName: string, error: unknown, logGroup: string | undefined): string {
  const detail = error as { $metadata?: { httpStatusCode?: number }; code?: string };
  const reason = terminalSafe(errorMessage(error));
  if (detail.$metadata?.httpStatusCode !== undefined) return `invoking ${functionName} failed: ${reason}`;
  if (detail.code !== undefined && NEVER_SENT.has(detail.code)) return `could not reach Lambda; ${functionName} was not invoked: ${reason}`;
  const where = logGroup
    ? `its log group ${terminalSafe(logGroup)}`
    : `the function's log group (aws lambda get-function-configuration --function-name ${functionName} --query LoggingConfig.LogGroup)`;
  return [
    `the connection to Lambda was lost while ${functionName} was running (${reason}).`,
    'The invocation may still be running, up to the function timeout: do not invoke again yet.',
    `Its outcome will be the "reap run finished" line in ${where}.`,
  ].join('\n');
}
