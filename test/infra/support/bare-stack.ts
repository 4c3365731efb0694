import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { cdkTestOutdir } from './cdk-outdir';

/**
 * An empty Stack in an App of its own, for testing one construct alone (as cdk-watchful's tests do): no context,
 * no cdk-nag, no handler bundling. What the construct makes is all the template holds. Its output goes to a temp
 * folder the test removes.
 */
export function bareStack(id = 'Bare'): Stack {
  return new Stack(new App({ outdir: cdkTestOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), id);
}

export const templateOf = (stack: Stack): Template => Template.fromStack(stack);

/** The statements of every IAM policy (inline or managed) of a template, flattened. */
export function statementsOf(template: Template, type: 'AWS::IAM::Policy' | 'AWS::IAM::ManagedPolicy'): any[] {
  return Object.values<any>(template.findResources(type)).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}
