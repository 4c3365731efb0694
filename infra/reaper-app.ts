import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type EnvironmentOptions, readReaperContext } from './context';
import { ReaperStack } from './reaper-stack';

/**
 * The app `cdk synth` builds, and the one the tests build: the stack from context (over the environment file
 * `-c env=<name>` selects), checked by cdk-nag's AwsSolutions and Serverless packs.
 */
export function createReaperApp(props: AppProps = {}, environmentOptions: EnvironmentOptions = {}): { app: App; stack: ReaperStack } {
  const app = new App(props);
  const { stackName, stackProps } = readReaperContext(app.node, environmentOptions);
  // Environment-agnostic on purpose: no account or region lookups, so synth needs no credentials and no network.
  const stack = new ReaperStack(app, stackName, stackProps);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}
