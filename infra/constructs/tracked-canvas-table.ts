import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The table's partition key: the Scenario asset id of a tracked canvas. */
export const TRACKED_CANVAS_PARTITION_KEY = 'assetId';

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
}

/**
 * The DynamoDB table of tracked canvases: the one the reaper scans and updates.
 * A created table is on-demand, has point-in-time recovery and survives stack deletion: losing it loses the record
 * of which canvases are locked, which no redeploy can rebuild.
 */
export class TrackedCanvasTable extends Construct {
  /** The table, created or imported. */
  readonly table: ITable;
  /** True when the stack created (and therefore owns) the table. */
  readonly createdByStack: boolean;

  constructor(scope: Construct, id: string, props: TrackedCanvasTableProps = {}) {
    super(scope, id);
    if (props.existingTableName && props.existingTableArn) {
      throw new Error('TrackedCanvasTable: pass existingTableName or existingTableArn, not both');
    }
    this.createdByStack = !props.existingTableName && !props.existingTableArn;
    if (props.existingTableArn) {
      this.table = Table.fromTableArn(this, 'Existing', props.existingTableArn);
    } else if (props.existingTableName) {
      this.table = Table.fromTableName(this, 'Existing', props.existingTableName);
    } else {
      this.table = new Table(this, 'Table', {
        partitionKey: { name: TRACKED_CANVAS_PARTITION_KEY, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
  }
}
