import { readWholeNumber } from './config';
import { assetIdProblem, clip, preview } from './core/asset-id';
import { projectIdProblem } from './core/project';
import { SETTINGS } from './settings';

/** A manual invoke may name at most this many assets (ten BatchGetItem calls). */
export const MAX_ASSET_IDS_PER_RUN = 1000;
/** A run's grace (payload field) has the bounds of GRACE_SECONDS. */
const GRACE = SETTINGS.graceSeconds;

/** What one invocation asks for. */
export interface RunRequest {
  dryRun: boolean;
  assetIds?: string[];
  graceSeconds?: number;
  /** A person releases the mass-expiry brake: this run unlocks what it held. */
  overrideBrake?: boolean;
  /** Only canvases of these Scenario projects ("default": rows without projectId). */
  projectIds?: string[];
}

/** A refused payload lists at most this many problems, then "…and N more": a 10,000-key payload stays readable. */
export const MAX_PAYLOAD_PROBLEMS = 20;

/** A payload the reaper refuses; nothing was read or written. */
export class PayloadError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    const rest = problems.length - MAX_PAYLOAD_PROBLEMS;
    const listed = rest > 0 ? [...problems.slice(0, MAX_PAYLOAD_PROBLEMS), `…and ${rest} more`] : [...problems];
    super(
      `invalid invoke payload: ${listed.join('; ')}. Expected {"dryRun"?: boolean, "assetIds"?: string[], "graceSeconds"?: number, "overrideBrake"?: boolean, "projectIds"?: string[]}`,
    );
    this.name = 'PayloadError';
    this.problems = listed;
  }
}

const MANUAL_FIELDS = new Set(['dryRun', 'assetIds', 'graceSeconds', 'overrideBrake', 'projectIds']);

/**
 * Reads an invocation. Three payloads run a normal scheduled reap: none or `{}`, the input the stack's schedule sends
 * (recognised by its exact shape), and an EventBridge rule's "Scheduled Event". Anything else is a manual payload,
 * which may ask for a dry run, a set of assets, another grace period or the brake's release, and is refused whole
 * when anything in it is unknown or wrong. Looking like an event (`source` and `detail-type`) earns nothing: such a
 * payload is validated like any other.
 */
export function parseInvocation(event: unknown): RunRequest {
  if (event === undefined || event === null) return { dryRun: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new PayloadError([`the payload must be a JSON object, got ${Array.isArray(event) ? 'an array' : typeof event}`]);
  }
  const fields = event as Record<string, unknown>;
  const problems: string[] = [];
  if ('source' in fields || 'detail-type' in fields) {
    const mismatch = scheduledEventMismatch(fields);
    if (mismatch === undefined) return { dryRun: false };
    problems.push(`not a scheduled event (${mismatch}); read as a manual payload`);
  }
  for (const key of Object.keys(fields)) {
    if (!MANUAL_FIELDS.has(key)) problems.push(`unknown field ${preview(key, 40)}`);
  }
  const request: RunRequest = { dryRun: false };
  for (const flag of ['dryRun', 'overrideBrake'] as const) {
    const value = fields[flag];
    if (typeof value === 'boolean') request[flag] = value;
    else if (value !== undefined) problems.push(`${flag} must be true or false, got ${preview(value, 40)}`);
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

/** Per-tick fields are checked for their form only; the time Scheduler or EventBridge fills in is ISO-8601 UTC. */
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const SCHEDULE_ARN = /^arn:aws[a-z-]*:scheduler:[a-z0-9-]+:\d{12}:schedule\/[0-9A-Za-z_.-]{1,64}\/[0-9A-Za-z_.-]{1,64}$/;
const RULE_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:rule\/[0-9A-Za-z_./-]{1,256}$/;

/**
 * The input infra/constructs/reaper-schedule.ts gives the schedule (SCHEDULED_RUN_INPUT), once Scheduler has filled in
 * the tick's time and the schedule's ARN: exactly these four fields.
 */
const SCHEDULE_INPUT_SHAPE = {
  source: (v: unknown) => v === 'aws.scheduler',
  'detail-type': (v: unknown) => v === 'Scheduled Event',
  time: (v: unknown) => typeof v === 'string' && EVENT_TIME.test(v),
  resources: (v: unknown) => Array.isArray(v) && v.length === 1 && typeof v[0] === 'string' && SCHEDULE_ARN.test(v[0]),
};

/** An EventBridge rule's scheduled event: the standard event fields, an empty detail. */
const RULE_EVENT_SHAPE = {
  version: (v: unknown) => v === '0',
  id: (v: unknown) => typeof v === 'string' && /^[0-9a-f-]{1,64}$/i.test(v),
  'detail-type': (v: unknown) => v === 'Scheduled Event',
  source: (v: unknown) => v === 'aws.events',
  account: (v: unknown) => typeof v === 'string' && /^\d{12}$/.test(v),
  time: (v: unknown) => typeof v === 'string' && EVENT_TIME.test(v),
  region: (v: unknown) => typeof v === 'string' && /^[a-z0-9-]{1,32}$/.test(v),
  resources: (v: unknown) =>
    Array.isArray(v) && v.length >= 1 && v.length <= 5 && v.every((arn) => typeof arn === 'string' && RULE_ARN.test(arn)),
  detail: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0,
};

type Shape = Record<string, (value: unknown) => boolean>;

/** Why `fields` is not exactly `shape` (the first difference), or undefined when it is. */
function shapeMismatch(fields: Record<string, unknown>, shape: Shape): string | undefined {
  for (const [name, fits] of Object.entries(shape)) {
    if (!(name in fields)) return `no ${name}`;
    if (!fits(fields[name])) return `${name} ${shown(fields[name])} is not what it would carry`;
  }
  const extra = Object.keys(fields).find((name) => !Object.hasOwn(shape, name));
  return extra === undefined ? undefined : `field ${preview(extra, 40)} is not part of one`;
}

/** A field's value in a problem: a string quoted, anything else as JSON, both cut short. */
function shown(value: unknown): string {
  return typeof value === 'string' ? preview(value, 60) : clip(JSON.stringify(value) ?? String(value), 60);
}

/** The scheduled payloads a tick may arrive as, by their `source`. */
const SCHEDULED_EVENTS = new Map<unknown, { kind: string; shape: Shape }>([
  ['aws.scheduler', { kind: "the stack's schedule input", shape: SCHEDULE_INPUT_SHAPE }],
  ['aws.events', { kind: "an EventBridge rule's Scheduled Event", shape: RULE_EVENT_SHAPE }],
]);

/** Undefined when `fields` is the schedule's input or a rule's scheduled event; else why not, in a few words. */
function scheduledEventMismatch(fields: Record<string, unknown>): string | undefined {
  const scheduled = SCHEDULED_EVENTS.get(fields.source);
  if (scheduled === undefined) return `source ${preview(fields.source, 40)} is neither "aws.scheduler" nor "aws.events"`;
  const mismatch = shapeMismatch(fields, scheduled.shape);
  return mismatch === undefined ? undefined : `as ${scheduled.kind}: ${mismatch}`;
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

/** At most this many projects in one run's filter. */
const MAX_PROJECT_IDS_PER_RUN = 100;

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
