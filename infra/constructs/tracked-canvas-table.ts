import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BRAKE_ROW_KEY, TABLE_KEY } from '#reaper/table-contract';

/**
 * What the editors' backend does to the table: lock (PutItem or UpdateItem), renew (UpdateItem), release
 * (UpdateItem or DeleteItem), and read a row back (GetItem). docs/table-contract.md shows the three calls.
 */
export const TRACKED_CANVAS_WRITER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/**
 * Keys beginning with "#" (BRAKE_ROW_KEY and any later reserved row) belong to the reaper: an IAM condition on the
 * partition key of the item a request names. `ForAnyValue`: a request naming several items is denied if any is one.
 */
export const RESERVED_KEYS_CONDITION = { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${BRAKE_ROW_KEY[0]}*`] } };

/** Every call that writes or deletes an item: the writers may make none of them on a reserved key. */
export const RESERVED_KEY_DENIED_WRITER_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/** Props of {@link TrackedCanvasTable}. Pass at most one of the two `existing…` props. */
export interface TrackedCanvasTableProps {
  /**
   * Use this existing table (same account and region) instead of creating one.
   * It must have the partition key `assetId` (string) and must not use a customer-managed KMS key.
   * @default - a new table is created
   */
  readonly existingTableName?: string;
  /**
   * Use this existing table, by ARN, instead of creating one. Same requirements as `existingTableName`.
   * @default - a new table is created
   */
  readonly existingTableArn?: string;
  /**
   * Deletion protection on a created table: DynamoDB refuses DeleteTable, from anyone, until it is turned off.
   * `false` suits a dev stack meant to be removed completely. Ignored for an existing table.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The DynamoDB table of tracked canvases: the one the reaper scans and updates, and the policy its writers attach.
 * A created table is on-demand, has point-in-time recovery and deletion protection, and survives stack deletion:
 * losing it loses the record of which canvases are locked, which no redeploy can rebuild.
 */
export class TrackedCanvasTable extends Construct {
  /** The table, created or imported. */
  readonly table: ITable;
  /**
   * A customer-managed policy with exactly TRACKED_CANVAS_WRITER_ACTIONS on this table, none of them on a key that
   * begins with "#" (the reaper's own rows, RESERVED_KEYS_CONDITION), for the editors' backend
   * role to attach (its ARN is the TrackedCanvasWriterPolicyArn output; CloudFormation names it, so two stacks in
   * one account never collide).
   */
  readonly writerPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: TrackedCanvasTableProps = {}) {
    super(scope, id);
    if (props.existingTableName && props.existingTableArn) {
      throw new Error('TrackedCanvasTable: pass existingTableName or existingTableArn, not both');
    }
    if (props.existingTableArn) {
      this.table = Table.fromTableArn(this, 'Existing', props.existingTableArn);
    } else if (props.existingTableName) {
      this.table = Table.fromTableName(this, 'Existing', props.existingTableName);
    } else {
      this.table = new Table(this, 'Table', {
        partitionKey: { name: TABLE_KEY, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: props.deletionProtection ?? true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.writerPolicy = new ManagedPolicy(this, 'WriterPolicy', {
      description: 'Write tracked canvases (lock, renew, release) for the canvas lock reaper: this table only',
      statements: [
        new PolicyStatement({ actions: [...TRACKED_CANVAS_WRITER_ACTIONS], resources: [this.table.tableArn] }),
        // The brake's state is the reaper's alone: a writer that deleted or rewrote it would release the brake
        // without anyone's override on record.
        new PolicyStatement({
          sid: 'NoWritesToReservedKeys',
          effect: Effect.DENY,
          actions: [...RESERVED_KEY_DENIED_WRITER_ACTIONS],
          resources: [this.table.tableArn],
          conditions: RESERVED_KEYS_CONDITION,
        }),
      ],
    });
  }
}
