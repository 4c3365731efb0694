import { Arn, ArnFormat, Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** What the secret must hold; shown in the console so whoever opens it knows what to put there. */
export const SCENARIO_SECRET_DESCRIPTION =
  'Scenario API credentials for the canvas lock reaper, as JSON {"apiKey":"...","apiSecret":"..."}. Set with aws secretsmanager put-secret-value.';

/** Props of {@link ScenarioCredentialsSecret}. Pass at most one of the two `existing…` props. */
export interface ScenarioCredentialsSecretProps {
  /**
   * Use this existing secret, by its complete ARN (the one ending in `-` and six characters), instead of creating one.
   * @default - a new, empty secret is created
   */
  readonly existingSecretArn?: string;
  /**
   * Use this existing secret, by name, instead of creating one. The function then reads it by name and is granted
   * `<secret ARN>-??????` (a secret's ARN ends in a random suffix the name does not know).
   * @default - a new, empty secret is created
   */
  readonly existingSecretName?: string;
  /**
   * ARN of the customer-managed KMS key the secret is encrypted with. When set, a created secret uses it and the
   * function is granted `kms:Decrypt` on it, through Secrets Manager only.
   * @default - the AWS-managed key `aws/secretsmanager`, which needs no grant
   */
  readonly encryptionKeyArn?: string;
}

/**
 * The Secrets Manager secret holding the Scenario API key pair. A created secret is empty: its value is set once by
 * ops with the AWS CLI, so no credential ever passes through the template, the context or an output. It survives
 * stack deletion so a redeploy does not lose the credentials.
 */
export class ScenarioCredentialsSecret extends Construct {
  /** The secret's ARN (for an existing secret passed by name: its partial ARN, without the random suffix). */
  readonly secretArn: string;
  /** The id the function passes to GetSecretValue: the complete ARN, or the name of an existing secret given by name. */
  readonly secretId: string;
  private readonly arnsForPolicy: string[];
  private readonly encryptionKeyArn: string | undefined;

  constructor(scope: Construct, id: string, props: ScenarioCredentialsSecretProps = {}) {
    super(scope, id);
    if (props.existingSecretArn && props.existingSecretName) {
      throw new Error('ScenarioCredentialsSecret: pass existingSecretArn or existingSecretName, not both');
    }
    this.encryptionKeyArn = props.encryptionKeyArn;
    if (props.existingSecretArn) {
      this.secretArn = props.existingSecretArn;
      this.secretId = props.existingSecretArn;
      this.arnsForPolicy = [props.existingSecretArn];
    } else if (props.existingSecretName) {
      this.secretArn = Arn.format(
        { service: 'secretsmanager', resource: 'secret', resourceName: props.existingSecretName, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
        Stack.of(this),
      );
      this.secretId = props.existingSecretName;
      const arnForPolicy = `${this.secretArn}-??????`;
      this.arnsForPolicy = [arnForPolicy];
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${props.existingSecretName}-??????]`,
        reason:
          'A secret passed by name is granted by its name plus the six-character suffix Secrets Manager appends to every secret ARN; "??????" matches exactly that suffix.',
      });
    } else {
      // The L1 resource, because the L2 Secret always generates a value; omitting both SecretString and
      // GenerateSecretString creates an empty secret.
      const secret = new CfnSecret(this, 'Secret', {
        description: SCENARIO_SECRET_DESCRIPTION,
        kmsKeyId: props.encryptionKeyArn,
      });
      secret.applyRemovalPolicy(RemovalPolicy.RETAIN);
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The secret holds a key pair issued by Scenario, which no rotation Lambda can mint; it is rotated by hand when Scenario reissues it (see docs/deploy.md).',
      });
      this.secretArn = secret.ref;
      this.secretId = secret.ref;
      this.arnsForPolicy = [secret.ref];
    }
  }

  /**
   * What reading the secret's value takes, and nothing more (no DescribeSecret, no listing, no writing):
   * GetSecretValue on the secret and, with a customer-managed key, kms:Decrypt on it through Secrets Manager only.
   */
  readStatements(): PolicyStatement[] {
    const statements = [new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: this.arnsForPolicy })];
    if (this.encryptionKeyArn) {
      statements.push(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.encryptionKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }
    return statements;
  }

  /** Grants {@link readStatements} to a principal (the function's role). */
  grantGetSecretValue(grantee: IGrantable): Grant {
    const [getSecretValue, ...decrypt] = this.readStatements();
    for (const statement of decrypt) grantee.grantPrincipal.addToPrincipalPolicy(statement);
    return Grant.addToPrincipal({ grantee, actions: getSecretValue!.actions, resourceArns: getSecretValue!.resources });
  }
}
