import { readWholeNumber } from '#reaper/config';
import { parseAssetIds, parseProjectIds, type RunRequest } from '#reaper/payload';
import { SETTINGS } from '#reaper/settings';
import { UsageError } from './usage-error';

/** The flags that shape one run, the same for npm run reap and ops invoke (their payload fields, in flag words). */
export const RUN_FLAGS = {
  'dry-run': { type: 'boolean' },
  'override-brake': { type: 'boolean' },
  'asset-id': { type: 'string', multiple: true },
  project: { type: 'string', multiple: true },
  'grace-seconds': { type: 'string' },
} as const;

/**
 * What the run flags ask for: only what was given (ops invoke sends nothing it was not asked for). Each mistake is
 * added to `problems` in the flags' words, so a command can refuse them all at once.
 */
export function runFlagsRequest(values: Readonly<Record<string, unknown>>, problems: string[]): Partial<RunRequest> {
  const request: Partial<RunRequest> = {};
  if (values['dry-run'] === true) request.dryRun = true;
  if (values['override-brake'] === true) request.overrideBrake = true;
  const payloadProblems: string[] = [];
  const assetIds = values['asset-id'] === undefined ? undefined : parseAssetIds(values['asset-id'], payloadProblems);
  if (assetIds) request.assetIds = assetIds;
  const projectIds = values.project === undefined ? undefined : parseProjectIds(values.project, payloadProblems);
  if (projectIds) request.projectIds = projectIds;
  problems.push(...payloadProblems.map((p) => p.replaceAll('assetIds', '--asset-id').replaceAll('projectIds', '--project')));
  if (values['grace-seconds'] !== undefined) {
    try {
      request.graceSeconds = parseGraceSecondsFlag(String(values['grace-seconds']));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return request;
}

/** Reads a --grace-seconds flag (command-line text, not JSON); a UsageError names the flag and its bounds. */
export function parseGraceSecondsFlag(raw: string): number {
  const grace = SETTINGS.graceSeconds;
  const reading = readWholeNumber(raw, grace);
  if (!reading.ok) throw new UsageError(`--grace-seconds must be a whole number from ${grace.min} to ${grace.max}, got "${raw}"`);
  return reading.value;
}
