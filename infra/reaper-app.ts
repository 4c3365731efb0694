import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readReaperContext } from './context';
import { ReaperStack } from './reaper-stack';

/** The app `cdk synth` builds, and the one the tests build: the stack from context, checked by cdk-nag. */
export function createReaperApp(props: AppProps = {}): { app: App; stack: ReaperStack } {
  const app = new App(props);
  const { stackName, stackProps } = readReaperContext(app.node);
  // Environment-agnostic on purpose: no account or region lookups, so synth needs no credentials and no network.
  const stack = new ReaperStack(app, stackName, stackProps);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
