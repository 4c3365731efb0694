import { DEFAULT_OUTPUTS_FILE, resolveStackOutput, STACK_OUTPUTS } from './stack-outputs';

export { DEFAULT_OUTPUTS_FILE };
export const FUNCTION_NAME_ENV = STACK_OUTPUTS.functionName.env;

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
  return resolveStackOutput(STACK_OUTPUTS.functionName, options);
}
