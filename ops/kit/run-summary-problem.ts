import { wrongField } from './not-understood';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isText = (value: unknown): boolean => typeof value === 'string';
const isFlag = (value: unknown): boolean => typeof value === 'boolean';
const optional = (check: (value: unknown) => boolean) => (value: unknown) => value === undefined || check(value);
const listOf = (check: (entry: unknown) => boolean) => (value: unknown) => Array.isArray(value) && value.every(check);
const objectWith =
  (fields: Readonly<Record<string, (value: unknown) => boolean>>) =>
  (value: unknown): boolean =>
    isObject(value) && Object.entries(fields).every(([key, check]) => check(value[key]));

/**
 * Every field the commands read from a run summary (the summary table, `ops runs`' line, the exit code), with what it
 * must hold. The lists' entries are checked too: the table prints them. Fields no command reads (`projects`,
 * `brake.projects`, …) are not required, so a summary that gains fields is still understood.
 */
const SUMMARY_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  runId: isText,
  dryRun: isFlag,
  verifyAtSource: isFlag,
  cutShort: isFlag,
  graceSeconds: isCount,
  durationMs: isCount,
  examined: isCount,
  stale: isCount,
  unlocked: isCount,
  failed: isCount,
  possibleLiveLockUnlocks: isCount,
  stopReason: (value) => value === null || isText(value),
  stopDetail: optional(isText),
  unlockedAssetIds: listOf(isText),
  wouldUnlock: listOf(isText),
  failures: listOf(objectWith({ assetId: isText, kind: isText, error: isText, step: optional(isText), httpStatus: optional(isCount) })),
  invalidRows: listOf(objectWith({ assetId: isText, problem: isText })),
  warnings: listOf(objectWith({ kind: isText, message: isText, assetId: optional(isText) })),
  skipped: (value) => isObject(value) && isCount(value.invalid) && Object.values(value).every(isCount),
  omitted: objectWith({ unlockedAssetIds: isCount, wouldUnlock: isCount, failures: isCount, invalidRows: isCount, warnings: isCount }),
};

/** The brake's fields the summary table reads (checked when `brake` is an object; a missing `brake` is named once). */
const BRAKE_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  applies: isFlag,
  engaged: isFlag,
  wouldTrip: isFlag,
  released: isFlag,
  newlyStale: isCount,
  live: isCount,
  held: isCount,
  heldProjects: listOf(isText),
  trippedAt: optional(isText),
};

/** How many wrong fields a problem names; the count of the rest follows. */
const FIELDS_NAMED = 5;
/**
 * What keeps a parsed value from being read as a run summary (each missing field, and each field of the wrong type
 * with what it holds: `examined is "40"`, `brake.heldProjects is missing`), or undefined when every field the commands
 * read holds what it must. The one check of `ops invoke`'s answer and of the run-finished lines `ops last-run` and
 * `ops runs` read: a value that fails it is reported as not understood, never shown as a run's result.
 */
export function runSummaryProblem(value: unknown): string | undefined {
  if (!isObject(value)) return Array.isArray(value) ? 'an array' : `${value === null ? 'null' : `a ${typeof value}`}, not an object`;
  const wrong = Object.entries(SUMMARY_FIELDS)
    .filter(([key, check]) => !check(value[key]))
    .map(([key]) => wrongField(key, value[key]));
  const brake = value.brake;
  if (!isObject(brake)) wrong.push(wrongField('brake', brake));
  else for (const [key, check] of Object.entries(BRAKE_FIELDS)) if (!check(brake[key])) wrong.push(wrongField(`brake.${key}`, brake[key]));
  if (wrong.length === 0) return undefined;
  const named = wrong.slice(0, FIELDS_NAMED).join(', ');
  return `${named}${wrong.length > FIELDS_NAMED ? `, …and ${wrong.length - FIELDS_NAMED} more` : ''}`;
}
