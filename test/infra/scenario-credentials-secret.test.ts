import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { ScenarioCredentialsSecret, type ScenarioCredentialsSecretProps } from '#infra/constructs/scenario-credentials-secret';
import { ENV } from '#reaper/settings';
import { bareStack, statementsOf, templateOf } from './support/bare-stack';
import { logicalIdOf, onlyResource, synthReaper } from './support/synth-reaper';

function functionStatements(template: ReturnType<typeof synthReaper>['template'], roleLogicalId: string): any[] {
  return Object.values<any>(template.toJSON().Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

describe('the credentials secret', () => {
  it('is created empty (no value, nothing generated), described, and retained on deletion', () => {
    const { template } = synthReaper();
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    expect(Object.keys(secret.properties)).toEqual(['Description']);
    expect(secret.properties.Description).toMatch(/\{"apiKey":"\.\.\.","apiSecret":"\.\.\."\}/);
    expect(secret.resource.DeletionPolicy).toBe('Retain');
    expect(secret.resource.UpdateReplacePolicy).toBe('Retain');
  });

  it('is what SCENARIO_SECRET_ID and the SecretArn output point at', () => {
    const { stack, template } = synthReaper();
    const secretRef = { Ref: onlyResource(template, 'AWS::SecretsManager::Secret').logicalId };
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.properties.Environment.Variables[ENV.secretId]).toEqual(secretRef);
    expect(template.toJSON().Outputs.SecretArn.Value).toEqual(secretRef);
    expect(stack.credentials.secretId).toBeDefined();
  });

  it('never has its value in the template: no secret string, no dynamic reference, no parameter to pass one', () => {
    const { template } = synthReaper();
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain('SecretString');
    expect(json).not.toContain('{{resolve:secretsmanager');
    expect(Object.keys(template.toJSON().Parameters ?? {})).toEqual(['BootstrapVersion']);
  });

  it('can be an existing secret by complete ARN: nothing is created, the function reads and is granted that ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/scenario-AbC123';
    const { stack, template } = synthReaper({ 'reaper:existingSecretArn': arn });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.properties.Environment.Variables[ENV.secretId]).toBe(arn);
    const statements = functionStatements(template, logicalIdOf(stack.reaper.function.role!));
    expect(statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue')).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: arn },
    ]);
  });

  it('can be an existing secret by name: the function reads it by name and is granted <name>-?????? only', () => {
    const { stack, template } = synthReaper({ 'reaper:existingSecretName': 'prod/scenario' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.properties.Environment.Variables[ENV.secretId]).toBe('prod/scenario');
    const statements = functionStatements(template, logicalIdOf(stack.reaper.function.role!));
    expect(statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue')).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':secret:prod/scenario-??????',
            ],
          ],
        },
      },
    ]);
  });

  it('with a customer-managed key: the created secret uses it and the function may decrypt through Secrets Manager only', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { stack, template } = synthReaper({ 'reaper:secretKmsKeyArn': keyArn });
    expect(onlyResource(template, 'AWS::SecretsManager::Secret').properties.KmsKeyId).toBe(keyArn);
    const statements = functionStatements(template, logicalIdOf(stack.reaper.function.role!));
    expect(statements.filter((s) => String(s.Action).startsWith('kms:'))).toEqual([
      {
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: keyArn,
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        },
      },
    ]);
  });

  it('refuses a partial ARN in reaper:existingSecretArn, pointing at reaper:existingSecretName', () => {
    expect(() => synthReaper({ 'reaper:existingSecretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod' })).toThrow(
      /Context key reaper:existingSecretArn: .*complete secret ARN.*reaper:existingSecretName/,
    );
  });
});

describe('ScenarioCredentialsSecret in a bare Stack', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  function secretAlone(props: ScenarioCredentialsSecretProps = {}) {
    const stack = bareStack();
    const secret = new ScenarioCredentialsSecret(stack, 'Credentials', props);
    const reader = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    secret.grantGetSecretValue(reader);
    return { secret, template: templateOf(stack) };
  }

  it('creates only an empty secret by default; its id is the secret itself', () => {
    const { secret, template } = secretAlone();
    const created = onlyResource(template, 'AWS::SecretsManager::Secret');
    expect(Object.keys(created.properties)).toEqual(['Description']);
    expect(template.toJSON().Resources).not.toHaveProperty('SecretString');
    expect(secret.secretId).toBe(secret.secretArn);
  });

  it('reads as GetSecretValue on the secret only, and with a customer key also kms:Decrypt through Secrets Manager only', () => {
    expect(statementsOf(secretAlone().template, 'AWS::IAM::Policy').map((s) => s.Action)).toEqual(['secretsmanager:GetSecretValue']);
    const { secret, template } = secretAlone({ encryptionKeyArn: keyArn });
    expect(onlyResource(template, 'AWS::SecretsManager::Secret').properties.KmsKeyId).toBe(keyArn);
    expect(
      statementsOf(template, 'AWS::IAM::Policy')
        .map((s) => s.Action)
        .sort(),
    ).toEqual(['kms:Decrypt', 'secretsmanager:GetSecretValue']);
    // The same statements serve the operators' policy.
    expect(secret.readStatements().map((statement) => statement.actions)).toEqual([['secretsmanager:GetSecretValue'], ['kms:Decrypt']]);
  });

  it('imports a secret by name: no secret is created, the function reads it by name', () => {
    const { secret, template } = secretAlone({ existingSecretName: 'prod/scenario' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(secret.secretId).toBe('prod/scenario');
  });

  it('refuses both an existing ARN and an existing name', () => {
    expect(() =>
      secretAlone({ existingSecretName: 'a', existingSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf' }),
    ).toThrow('ScenarioCredentialsSecret: pass existingSecretArn or existingSecretName, not both');
  });
});
