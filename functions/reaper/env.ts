import {
  ENV_SETTING_NAMES,
  type EnvNameOf,
  type EnvSettingName,
  LAMBDA_SETTING_NAMES,
  LOCAL_ONLY_SETTING_NAMES,
  SETTING_SPECS,
} from './settings';

/**
 * The environment variables the reaper reads, by setting name, from the settings table (settings.ts): the one list
 * shared by the handler's config and the CDK stack, so the stack can never hand the function a variable the code
 * ignores, nor forget one it requires. These names are a contract with ops scripts: extend, never rename.
 */
export const ENV = Object.fromEntries(ENV_SETTING_NAMES.map((name) => [name, SETTING_SPECS[name].env])) as {
  readonly [K in EnvSettingName]: EnvNameOf<K>;
};

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Exactly the variables the Lambda handler's config reads. The stack sets these (and only these);
 * a contract test compares this list with the synthesized template.
 */
export const LAMBDA_ENV_NAMES: readonly EnvName[] = LAMBDA_SETTING_NAMES.map((name) => ENV[name]);

/** Variables that only a local run may use; the Lambda config refuses them so a key never sits in plain env. */
export const LOCAL_ONLY_ENV_NAMES: readonly EnvName[] = LOCAL_ONLY_SETTING_NAMES.map((name) => ENV[name]);
