import type { TrackedCanvas } from './tracked-canvas';

/**
 * The project of a row that names none, and the name of the secret's default key pair. Reserved: a row whose
 * projectId is "default" uses the default pair too.
 */
export const DEFAULT_PROJECT = 'default';

/** Scenario project ids as the table contract allows them: 1-128 of letters, digits, "_" and "-". */
const PROJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Why `value` cannot be a project id, or undefined when it can. */
export function projectIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `projectId must be a string, got ${typeof value}`;
  if (!PROJECT_ID.test(value)) return 'projectId is not 1-128 letters, digits, "_" or "-"';
  return undefined;
}

/** The project a (valid) row belongs to. */
export function projectOf(canvas: TrackedCanvas): string {
  return canvas.projectId?.kind === 'string' ? canvas.projectId.value : DEFAULT_PROJECT;
}
