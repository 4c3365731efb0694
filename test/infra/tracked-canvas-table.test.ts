import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/reaper/env';
import { logicalIdOf, onlyResource, synthReaper } from './support/synth-reaper';

describe('the table of tracked canvases', () => {
  it('is created keyed by assetId (string), on demand, with point-in-time recovery, retained on deletion', () => {
    const { template } = synthReaper();
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(table.properties).toEqual({
      KeySchema: [{ AttributeName: 'assetId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'assetId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.resource.DeletionPolicy).toBe('Retain');
    expect(table.resource.UpdateReplacePolicy).toBe('Retain');
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
