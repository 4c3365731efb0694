import { describe, expect, it } from 'vitest';
import { TrackedCanvasTable } from '#infra/constructs/tracked-canvas-table';
import { ENV } from '#reaper/settings';
import { bareStack, statementsOf, templateOf } from './support/bare-stack';
import { logicalIdOf, onlyResource, synthReaper } from './support/synth-reaper';

describe('the table of tracked canvases', () => {
  it('is created keyed by assetId (string), on demand, with point-in-time recovery and deletion protection, retained on deletion', () => {
    const { template } = synthReaper();
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(table.properties).toEqual({
      KeySchema: [{ AttributeName: 'assetId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'assetId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.resource.DeletionPolicy).toBe('Retain');
    expect(table.resource.UpdateReplacePolicy).toBe('Retain');
  });

  it('has no deletion protection with reaper:tableDeletionProtection=false (a dev stack), from -c or a file', () => {
    for (const off of ['false', false]) {
      const { template } = synthReaper({ 'reaper:tableDeletionProtection': off });
      expect(onlyResource(template, 'AWS::DynamoDB::Table').properties.DeletionProtectionEnabled).toBe(false);
    }
  });

  it("is named by the TableArn output, and writers get a policy for exactly their four calls on it, never on the reaper's reserved keys", () => {
    const { stack, template } = synthReaper();
    const tableArn = { 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'Arn'] };
    const outputs = template.toJSON().Outputs;
    expect(outputs.TableArn.Value).toEqual(tableArn);
    const policyId = logicalIdOf(stack.table.writerPolicy);
    expect(outputs.TrackedCanvasWriterPolicyArn.Value).toEqual({ Ref: policyId });
    const policy = template.toJSON().Resources[policyId];
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    // Attached by the editors' backend, not by anything in this stack.
    expect(policy.Properties.Roles ?? policy.Properties.Users ?? policy.Properties.Groups).toBeUndefined();
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: tableArn,
      },
      // Keys beginning with "#" are the reaper's (the brake's state): no writer may write or delete them.
      {
        Sid: 'NoWritesToReservedKeys',
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Effect: 'Deny',
        Resource: tableArn,
        Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['#*'] } },
      },
    ]);
  });

  it('is the one the function is told about and granted, and the one the TableName output names', () => {
    const { stack, template } = synthReaper();
    const tableId = logicalIdOf(stack.table.table);
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.properties.Environment.Variables[ENV.tableName]).toEqual({ Ref: tableId });
    expect(template.toJSON().Outputs.TableName.Value).toEqual({ Ref: tableId });
  });

  it('is not created when ops pass an existing table by name; the function uses that name', () => {
    const { template } = synthReaper({ 'reaper:existingTableName': 'prod-tracked-canvases' });
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.properties.Environment.Variables[ENV.tableName]).toBe('prod-tracked-canvases');
    expect(template.toJSON().Outputs.TableName.Value).toBe('prod-tracked-canvases');
  });

  it('is not created when ops pass an existing table by ARN; the grant names exactly that ARN', () => {
    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/prod-tracked-canvases';
    const { template } = synthReaper({ 'reaper:existingTableArn': arn });
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.properties.Environment.Variables[ENV.tableName]).toBe('prod-tracked-canvases');
    const statements = template.toJSON().Resources;
    const dynamoStatement = Object.values<any>(statements)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .find((s: any) => [s.Action].flat().includes('dynamodb:Scan'));
    expect(dynamoStatement.Resource).toBe(arn);
  });

  it('refuses both an existing name and an existing ARN, naming the key', () => {
    expect(() =>
      synthReaper({
        'reaper:existingTableName': 'a-table',
        'reaper:existingTableArn': 'arn:aws:dynamodb:eu-west-1:123456789012:table/b-table',
      }),
    ).toThrow(/reaper:existingTableArn: set reaper:existingTableName or reaper:existingTableArn, not both/);
  });
});

describe('TrackedCanvasTable in a bare Stack', () => {
  function tableAlone(props: ConstructorParameters<typeof TrackedCanvasTable>[2] = {}) {
    const stack = bareStack();
    const table = new TrackedCanvasTable(stack, 'Canvases', props);
    return { table, template: templateOf(stack) };
  }

  it('creates a table and the writer policy, nothing else; deletion protection on by default', () => {
    const { template } = tableAlone();
    expect(
      Object.values<any>(template.toJSON().Resources)
        .map((r) => r.Type)
        .sort(),
    ).toEqual(['AWS::DynamoDB::Table', 'AWS::IAM::ManagedPolicy']);
    expect(onlyResource(template, 'AWS::DynamoDB::Table').properties.DeletionProtectionEnabled).toBe(true);
  });

  it('turns deletion protection off when asked', () => {
    expect(
      onlyResource(tableAlone({ deletionProtection: false }).template, 'AWS::DynamoDB::Table').properties.DeletionProtectionEnabled,
    ).toBe(false);
  });

  it('imports a table by name or by ARN, and the writer policy names that table', () => {
    const byName = tableAlone({ existingTableName: 'prod-canvases' });
    byName.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(JSON.stringify(statementsOf(byName.template, 'AWS::IAM::ManagedPolicy')[0].Resource)).toContain(':table/prod-canvases');

    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/prod-canvases';
    const byArn = tableAlone({ existingTableArn: arn, deletionProtection: false });
    byArn.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(statementsOf(byArn.template, 'AWS::IAM::ManagedPolicy')[0].Resource).toBe(arn);
  });

  it('refuses both an existing name and an existing ARN', () => {
    expect(() => tableAlone({ existingTableName: 'a', existingTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/b' })).toThrow(
      'TrackedCanvasTable: pass existingTableName or existingTableArn, not both',
    );
  });
});
