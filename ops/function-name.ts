import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where `npx cdk deploy --outputs-file cdk-outputs.json` leaves the stack's outputs. */
export const DEFAULT_OUTPUTS_FILE = 'cdk-outputs.json';
export const FUNCTION_NAME_ENV = 'REAPER_FUNCTION_NAME';
const FUNCTION_NAME_OUTPUT = 'FunctionName';

/**
 * The deployed reaper's name: --function-name, else REAPER_FUNCTION_NAME, else the FunctionName output of the stack
 * in cdk-outputs.json. Throws a message that says how to provide it.
 */
export function resolveFunctionName(options: {
  flag: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  outputsFile: string | undefined;
  stackName: string | undefined;
}): string {
  if (options.flag) return options.flag;
  const fromEnv = options.env[FUNCTION_NAME_ENV]?.trim();
  if (fromEnv) return fromEnv;
  const file = path.resolve(options.cwd, options.outputsFile ?? DEFAULT_OUTPUTS_FILE);
  const howTo = `pass --function-name, set ${FUNCTION_NAME_ENV}, or deploy with: npx cdk deploy --outputs-file ${DEFAULT_OUTPUTS_FILE}`;
  if (!existsSync(file)) throw new Error(`no function name: ${file} does not exist; ${howTo}`);
  const outputs = readOutputs(file);
  if (!outputs) throw new Error(`no function name: ${file} is not JSON; ${howTo}`);
  const stacks = stacksWithOutput(outputs, FUNCTION_NAME_OUTPUT, options.stackName);
  if (stacks.length === 1) return stacks[0]![1][FUNCTION_NAME_OUTPUT] as string;
  if (stacks.length === 0) throw new Error(`no function name: ${file} has no ${options.stackName ? `stack ${options.stackName} with a ` : ''}${FUNCTION_NAME_OUTPUT} output; ${howTo}`);
  throw new Error(`several stacks in ${file} have a ${FUNCTION_NAME_OUTPUT} output (${stacks.map(([n]) => n).join(', ')}); choose one with --stack-name`);
}

/** One output of the stack in cdk-outputs.json (e.g. LogGroupName), or undefined when it cannot be told. */
export function findStackOutput(options: { cwd: string; outputsFile: string | undefined; stackName: string | undefined }, outputName: string): string | undefined {
  const file = path.resolve(options.cwd, options.outputsFile ?? DEFAULT_OUTPUTS_FILE);
  const outputs = existsSync(file) ? readOutputs(file) : undefined;
  const stacks = outputs ? stacksWithOutput(outputs, outputName, options.stackName) : [];
  return stacks.length === 1 ? (stacks[0]![1][outputName] as string) : undefined;
}

type Outputs = Record<string, Record<string, unknown>>;

function readOutputs(file: string): Outputs | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Outputs;
  } catch {
    return undefined;
  }
}

function stacksWithOutput(outputs: Outputs, outputName: string, stackName: string | undefined) {
  return Object.entries(outputs).filter(([name, values]) => (!stackName || name === stackName) && typeof values?.[outputName] === 'string');
}
