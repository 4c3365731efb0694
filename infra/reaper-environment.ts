import { Token } from 'aws-cdk-lib';
import { loadConfig } from '#reaper/config';
import { ENV, type EnvName } from '#reaper/env';
import {
  FUNCTION_TUNABLE_NAMES,
  type FunctionTunableName,
  LAMBDA_SETTING_NAMES,
  SETTING_SPECS,
  type SettingValues,
  type StackResourceName,
  settingDefaults,
} from '#reaper/settings';

/**
 * The reaper's tunables, as the function receives them: every Lambda setting of the settings table that has a
 * context key (functions/reaper/settings.ts describes each).
 */
export type ReaperSettings = Readonly<SettingValues<FunctionTunableName>>;

/** The table's defaults, so the stack and a local run behave the same. */
export const DEFAULT_REAPER_SETTINGS: ReaperSettings = settingDefaults(FUNCTION_TUNABLE_NAMES);

/**
 * Where the function's resources are: the Lambda settings without a context key (the table's name or ARN, the
 * secret's id). The stack knows these only as tokens until deploy.
 */
export type ReaperResourceIds = { readonly [K in StackResourceName]: string };

/**
 * The function's environment: exactly the variables of the table's Lambda settings (LAMBDA_ENV_NAMES), no more,
 * no fewer; each tunable from `settings`, each resource from `resources`.
 */
export function reaperEnvironment(settings: ReaperSettings, resources: ReaperResourceIds): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of LAMBDA_SETTING_NAMES) {
    const spec = SETTING_SPECS[name];
    const value = spec.context === undefined ? resources[name as StackResourceName] : settings[name as FunctionTunableName];
    if (value === undefined) {
      throw new Error(`The handler reads ${ENV[name]} but the stack has no value for it (setting ${name})`);
    }
    environment[ENV[name]] = String(value);
  }
  return environment;
}

/**
 * Runs the handler's own config validation on the environment the stack is about to deploy, so a bad value fails
 * `cdk synth` instead of every scheduled run. Tokens (resolved only at deploy) are replaced by valid stand-ins.
 * Throws the handler's ConfigError, which names the variable.
 */
export function validateReaperEnvironment(environment: Record<string, string>): void {
  const standIns: Partial<Record<EnvName, string>> = {
    [ENV.tableName]: 'tracked-canvases',
    [ENV.secretId]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:scenario-AbCdEf',
  };
  const resolvable = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, Token.isUnresolved(value) ? (standIns[name as EnvName] ?? 'token') : value]),
  );
  loadConfig(resolvable, 'lambda');
}
