import { ConfigError, loadTableConfig } from '../../functions/reaper/config';
import { assetIdProblem } from '../../functions/reaper/core/asset-id';
import { errorMessage } from '../../functions/reaper/core/error-message';
import { parseLockExpiry } from '../../functions/reaper/core/lock-expiry';
import { stringReading } from '../../functions/reaper/core/tracked-canvas';
import { createAwsClients } from '../../functions/reaper/wiring';
import { EXIT, parseCommandArgs, UsageError, type OpsCommand, type OpsIo } from '../io';
import { trackCanvas, untrackCanvas } from '../tracked-canvas-writer';

export const TRACK_USAGE = `Usage: npm run ops -- track <assetId> --lock-expires-at <ISO-8601> [--lock-id <id>]

Writes the tracked row for a canvas in the table contract's shape (assetId, lockExpiresAt, lockId), keeping any
other attribute the row already has. Without --lock-id, an old lockId is removed.
Example: npm run ops -- track asset_GTrL3mq4SXWyMxkOHRxlpw --lock-expires-at 2026-11-27T12:00:00Z --lock-id lk_123
Needs TABLE_NAME. Exit codes: 0 written; 1 the write failed; 2 usage or configuration error.`;

export const UNTRACK_USAGE = `Usage: npm run ops -- untrack <assetId>

Removes the tracked row of a canvas (the reaper never deletes rows; this is how a row for a deleted asset goes,
and how an invalid row, whatever its key, is cleared).
Prints what the row held. Untracking a canvas that is not tracked is not an error.
Needs TABLE_NAME. Exit codes: 0 removed (or was not there); 1 the delete failed; 2 usage or configuration error.`;

const MAX_LOCK_ID_LENGTH = 256;
const DYNAMODB_KEY_MAX_BYTES = 2048;

function requireAssetId(value: string | undefined): string {
  const problem = assetIdProblem(value);
  if (problem || value === undefined) throw new UsageError(problem ?? 'an asset id is required');
  return value;
}

function tableNameOrExit(io: OpsIo, command: string): string | undefined {
  try {
    return loadTableConfig(io.env).tableName;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`ops ${command}: configuration error: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

export const trackCommand: OpsCommand = async (argv, io) => {
  const { values, positionals, help } = parseCommandArgs(argv, { 'lock-expires-at': { type: 'string' }, 'lock-id': { type: 'string' } }, { min: 1, max: 1 });
  if (help) {
    io.stdout(`${TRACK_USAGE}\n`);
    return EXIT.ok;
  }
  const assetId = requireAssetId(positionals[0]);
  const lockExpiresAt = values['lock-expires-at'] as string | undefined;
  if (lockExpiresAt === undefined) throw new UsageError('--lock-expires-at is required');
  const expiry = parseLockExpiry(stringReading(lockExpiresAt));
  if (expiry.kind !== 'valid') throw new UsageError(`--lock-expires-at: ${expiry.kind === 'invalid' ? expiry.problem.replace(/^lockExpiresAt /, '') : 'missing'}`);
  const lockId = values['lock-id'] as string | undefined;
  if (lockId !== undefined && (lockId.trim() === '' || lockId.length > MAX_LOCK_ID_LENGTH)) {
    throw new UsageError(`--lock-id must be 1 to ${MAX_LOCK_ID_LENGTH} characters`);
  }
  const tableName = tableNameOrExit(io, 'track');
  if (!tableName) return EXIT.usageOrConfig;
  try {
    await trackCanvas((io.awsClients ?? createAwsClients()).dynamo, tableName, { assetId, lockExpiresAt, ...(lockId ? { lockId } : {}) });
  } catch (error) {
    io.stderr(`ops track: writing ${assetId} to ${tableName} failed: ${errorMessage(error)}\n`);
    return EXIT.canvasFailedOrInvalid;
  }
  io.stdout(`tracked ${assetId}: lockExpiresAt ${lockExpiresAt}${lockId ? `, lockId ${lockId}` : ''} (table ${tableName})\n`);
  return EXIT.ok;
};

export const untrackCommand: OpsCommand = async (argv, io) => {
  const { positionals, help } = parseCommandArgs(argv, {}, { min: 1, max: 1 });
  if (help) {
    io.stdout(`${UNTRACK_USAGE}\n`);
    return EXIT.ok;
  }
  // Any key may be untracked, even one that is not a valid asset id: that is how ops clear an invalid row.
  const assetId = positionals[0] ?? '';
  if (assetId === '' || Buffer.byteLength(assetId) > DYNAMODB_KEY_MAX_BYTES) throw new UsageError(`the key must be 1 to ${DYNAMODB_KEY_MAX_BYTES} bytes`);
  const tableName = tableNameOrExit(io, 'untrack');
  if (!tableName) return EXIT.usageOrConfig;
  let removed;
  try {
    removed = await untrackCanvas((io.awsClients ?? createAwsClients()).dynamo, tableName, assetId);
  } catch (error) {
    io.stderr(`ops untrack: removing ${assetId} from ${tableName} failed: ${errorMessage(error)}\n`);
    return EXIT.canvasFailedOrInvalid;
  }
  io.stdout(removed ? `untracked ${assetId}; the row held ${JSON.stringify(removed)}\n` : `${assetId} was not tracked; nothing to do\n`);
  return EXIT.ok;
};
