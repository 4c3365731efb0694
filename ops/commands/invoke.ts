import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { exitCodeFor } from '../../functions/reaper/cli';
import { errorMessage } from '../../functions/reaper/core/error-message';
import type { RunSummary } from '../../functions/reaper/core/summary';
import { parseAssetIds, parseGraceSecondsFlag } from '../../functions/reaper/payload';
import { resolveFunctionName } from '../function-name';
import { asUsage, EXIT, parseCommandArgs, UsageError, type OpsCommand } from '../io';
import { formatTable } from '../text-table';

export const INVOKE_USAGE = `Usage: npm run ops -- invoke [--dry-run] [--asset-id ID]... [--grace-seconds N] [--function-name NAME] [--json]

Invokes the deployed reaper through the Lambda API (synchronously) with a manual payload and prints the run
summary it returns.

Options:
  --dry-run             report what would be unlocked; unlock nothing
  --asset-id ID         only these canvases (repeat; at most 1000)
  --grace-seconds N     another grace for this run
  --function-name NAME  the function (default: ${'$'}REAPER_FUNCTION_NAME, else the FunctionName output in cdk-outputs.json)
  --outputs-file FILE   where to read stack outputs (default cdk-outputs.json, from: npx cdk deploy --outputs-file cdk-outputs.json)
  --stack-name NAME     the stack in that file, when it holds several
  --json                print the summary as JSON

Uses the usual AWS settings (AWS_PROFILE, AWS_REGION, …; AWS_ENDPOINT_URL_LAMBDA for a local endpoint).
Exit codes: 0 the run had no failure; 1 a canvas failed, a row is invalid, the run stopped early, or the
invocation failed; 2 usage or configuration error.`;

export const invokeCommand: OpsCommand = async (argv, io) => {
  const { values, help } = parseCommandArgs(
    argv,
    {
      'dry-run': { type: 'boolean' },
      'asset-id': { type: 'string', multiple: true },
      'grace-seconds': { type: 'string' },
      'function-name': { type: 'string' },
      'outputs-file': { type: 'string' },
      'stack-name': { type: 'string' },
      json: { type: 'boolean' },
    },
    { min: 0, max: 0 },
  );
  if (help) {
    io.stdout(`${INVOKE_USAGE}\n`);
    return EXIT.ok;
  }
  const payload: { dryRun?: boolean; assetIds?: string[]; graceSeconds?: number } = {};
  if (values['dry-run']) payload.dryRun = true;
  if (values['asset-id']) {
    const problems: string[] = [];
    const ids = parseAssetIds(values['asset-id'], problems);
    if (!ids) throw new UsageError(problems.join('; ').replaceAll('assetIds', '--asset-id'));
    payload.assetIds = ids;
  }
  if (values['grace-seconds'] !== undefined) payload.graceSeconds = asUsage(() => parseGraceSecondsFlag(String(values['grace-seconds'])));

  let functionName: string;
  try {
    functionName = resolveFunctionName({
      flag: values['function-name'] as string | undefined,
      env: io.env,
      cwd: io.cwd,
      outputsFile: values['outputs-file'] as string | undefined,
      stackName: values['stack-name'] as string | undefined,
    });
  } catch (error) {
    io.stderr(`ops invoke: ${errorMessage(error).replace(/^Error: /, '')}\n`);
    return EXIT.usageOrConfig;
  }

  const lambda = io.lambda ?? new LambdaClient({});
  let answer;
  try {
    answer = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) }),
    );
  } catch (error) {
    io.stderr(`ops invoke: invoking ${functionName} failed: ${errorMessage(error)}\n`);
    return EXIT.canvasFailedOrInvalid;
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
    io.stderr(`ops invoke: the run failed (${answer.FunctionError}): ${detail}\n`);
    return EXIT.canvasFailedOrInvalid;
  }
  let summary: RunSummary;
  try {
    summary = JSON.parse(body) as RunSummary;
  } catch {
    io.stderr(`ops invoke: the function answered something that is not a run summary (${body.length} bytes)\n`);
    return EXIT.canvasFailedOrInvalid;
  }
  io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${renderSummary(functionName, summary)}\n`);
  return exitCodeFor(summary);
};

function renderSummary(functionName: string, s: RunSummary): string {
  const rows: [string, string][] = [
    ['function', functionName],
    ['run id', s.runId],
    ['dry run', String(s.dryRun)],
    ['grace', `${s.graceSeconds} s`],
    ['duration', `${s.durationMs} ms`],
    ['examined', String(s.examined)],
    ['stale', String(s.stale)],
    [s.dryRun ? 'would unlock' : 'unlocked', String(s.dryRun ? s.wouldUnlock.length + s.omitted.wouldUnlock : s.unlocked)],
    ['failed', String(s.failed)],
    ...Object.entries(s.skipped).map(([reason, count]) => [`skipped: ${reason}`, String(count)] as [string, string]),
    ['cut short', s.cutShort ? `yes (${s.stopReason}: ${s.stopDetail ?? ''})` : 'no'],
  ];
  const parts = [formatTable(['', ''], rows).split('\n').slice(2).join('\n')];
  if (s.wouldUnlock.length > 0) parts.push(`\nwould unlock: ${s.wouldUnlock.join(', ')}`);
  if (s.failures.length > 0) {
    parts.push(`\n${formatTable(['failed asset', 'kind', 'error'], s.failures.map((f) => [f.assetId, `${f.kind}${f.httpStatus ? ` ${f.httpStatus}` : ''}`, f.error]), 100)}`);
  }
  if (s.invalidRows.length > 0) parts.push(`\n${formatTable(['invalid row', 'problem'], s.invalidRows.map((r) => [r.assetId, r.problem]), 100)}`);
  if (s.warnings.length > 0) parts.push(`\n${formatTable(['warning', 'message'], s.warnings.map((w) => [w.assetId ?? '-', `${w.kind}: ${w.message}`]), 100)}`);
  return parts.join('\n');
}
