import { assetIdProblem, preview } from './core/asset-id';
import { projectIdProblem } from './core/project';
import { readWholeNumber } from './setting-values';
import { SETTINGS } from './settings';

/** A manual invoke may name at most this many assets (ten BatchGetItem calls). */
export const MAX_ASSET_IDS_PER_RUN = 1000;
/** A run's grace (payload field, CLI flag) has the bounds of GRACE_SECONDS. */
const GRACE = SETTINGS.graceSeconds;
export const MAX_GRACE_SECONDS = GRACE.max;

/** What one invocation asks for. */
export interface RunRequest {
  trigger: 'schedule' | 'manual';
  dryRun: boolean;
  assetIds?: string[];
  graceSeconds?: number;
  /** A person releases the mass-expiry brake: this run unlocks what it held. */
  overrideBrake?: boolean;
  /** Only canvases of these Scenario projects ("default": rows without projectId). */
  projectIds?: string[];
}

/** A payload the reaper refuses; nothing was read or written. */
export class PayloadError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid invoke payload: ${problems.join('; ')}. Expected {"dryRun"?: boolean, "assetIds"?: string[], "graceSeconds"?: number, "overrideBrake"?: boolean, "projectIds"?: string[]}`);
    this.name = 'PayloadError';
  }
}

const MANUAL_FIELDS = new Set(['dryRun', 'assetIds', 'graceSeconds', 'overrideBrake', 'projectIds']);

/**
 * Reads an invocation: an EventBridge event (rule or Scheduler) or an empty payload runs a normal reap; a manual
 * payload may ask for a dry run, a set of assets or another grace period. Anything else is refused whole.
 */
export function parseInvocation(event: unknown): RunRequest {
  if (event === undefined || event === null) return { trigger: 'manual', dryRun: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new PayloadError([`the payload must be a JSON object, got ${Array.isArray(event) ? 'an array' : typeof event}`]);
  }
  const fields = event as Record<string, unknown>;
  if (typeof fields.source === 'string' && typeof fields['detail-type'] === 'string') {
    return { trigger: 'schedule', dryRun: false };
  }
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (!MANUAL_FIELDS.has(key)) problems.push(`unknown field ${preview(key, 40)}`);
  }
  const request: RunRequest = { trigger: 'manual', dryRun: false };
  if (fields.dryRun !== undefined) {
    if (typeof fields.dryRun === 'boolean') request.dryRun = fields.dryRun;
    else problems.push(`dryRun must be true or false, got ${preview(fields.dryRun, 40)}`);
  }
  if (fields.overrideBrake !== undefined) {
    if (typeof fields.overrideBrake === 'boolean') request.overrideBrake = fields.overrideBrake;
    else problems.push(`overrideBrake must be true or false, got ${preview(fields.overrideBrake, 40)}`);
  }
  if (fields.graceSeconds !== undefined) {
    const grace = fields.graceSeconds;
    // A JSON number only: text such as "60" is a wrong type in a payload.
    const reading = typeof grace === 'number' ? readWholeNumber(grace, GRACE) : undefined;
    if (reading?.ok) {
      request.graceSeconds = reading.value;
    } else {
      problems.push(`graceSeconds must be a whole number of seconds from ${GRACE.min} to ${GRACE.max}, got ${preview(grace, 40)}`);
    }
  }
  if (fields.projectIds !== undefined) {
    const ids = parseProjectIds(fields.projectIds, problems);
    if (ids) request.projectIds = ids;
  }
  if (fields.assetIds !== undefined) {
    const ids = parseAssetIds(fields.assetIds, problems);
    if (ids) request.assetIds = ids;
  }
  if (problems.length > 0) throw new PayloadError(problems);
  return request;
}

/** Validates and de-duplicates a list of asset ids; reports each bad entry by its position. */
export function parseAssetIds(value: unknown, problems: string[]): string[] | undefined {
  if (!Array.isArray(value)) {
    problems.push(`assetIds must be an array of asset ids, got ${typeof value}`);
    return undefined;
  }
  if (value.length === 0) {
    problems.push('assetIds is empty (omit it to reap every tracked canvas)');
    return undefined;
  }
  if (value.length > MAX_ASSET_IDS_PER_RUN) {
    problems.push(`assetIds has ${value.length} entries (at most ${MAX_ASSET_IDS_PER_RUN} per run)`);
    return undefined;
  }
  const before = problems.length;
  value.forEach((id, index) => {
    const problem = assetIdProblem(id);
    if (problem && problems.length - before < 5) problems.push(`assetIds[${index}] ${preview(id, 40)}: ${problem}`);
    else if (problem && problems.length - before === 5) problems.push('…more invalid assetIds not listed');
  });
  return problems.length === before ? [...new Set(value as string[])] : undefined;
}

/** Reads a --grace-seconds flag (CLI text, not JSON); throws with a message naming the flag. */
export function parseGraceSecondsFlag(raw: string): number {
  const reading = readWholeNumber(raw, GRACE);
  if (!reading.ok) throw new Error(`--grace-seconds must be a whole number from ${GRACE.min} to ${GRACE.max}, got "${raw}"`);
  return reading.value;
}

/** At most this many projects in one run's filter. */
export const MAX_PROJECT_IDS_PER_RUN = 100;

/** Validates and de-duplicates a list of project ids; reports each bad entry by its position. */
export function parseProjectIds(value: unknown, problems: string[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PROJECT_IDS_PER_RUN) {
    problems.push(`projectIds must be a non-empty array of at most ${MAX_PROJECT_IDS_PER_RUN} project ids, got ${preview(value, 40)}`);
    return undefined;
  }
  const before = problems.length;
  value.forEach((id, index) => {
    const problem = projectIdProblem(id);
    if (problem) problems.push(`projectIds[${index}] ${preview(id, 40)}: ${problem}`);
  });
  return problems.length === before ? [...new Set(value as string[])] : undefined;
}
