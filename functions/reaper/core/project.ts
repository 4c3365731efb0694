import type { TrackedCanvas } from './tracked-canvas';

/**
 * The project of a row that names none, and the name of the secret's default key pair. Reserved: a row whose
 * projectId is "default" uses the default pair too.
 */
export const DEFAULT_PROJECT = 'default';

/** Scenario project ids as the table contract allows them: 1-128 of letters, digits, "_" and "-". */
const PROJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Names every JavaScript object inherits or treats specially. Project ids are data, kept in Maps, but one of these
 * reaching a plain object anywhere (a caller's code, a script over the summary) could change every object: refused.
 */
const RESERVED_PROJECT_IDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why `value` cannot be a project id, or undefined when it can. */
export function projectIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `projectId must be a string, got ${typeof value}`;
  if (!PROJECT_ID.test(value)) return 'projectId is not 1-128 letters, digits, "_" or "-"';
  if (RESERVED_PROJECT_IDS.has(value)) return `projectId "${value}" is reserved (a name every JavaScript object has)`;
  return undefined;
}

/** The project a (valid) row belongs to. */
export function projectOf(canvas: TrackedCanvas): string {
  return canvas.projectId?.kind === 'string' ? canvas.projectId.value : DEFAULT_PROJECT;
}

/**
 * Something held per Scenario project, such as an API key or the lock API that uses it: each project's own, plus an
 * optional default for every other project and for rows that name none. A secret with one key pair is just the
 * default. Two projects may share one key (the same object): a key's refusal then covers both.
 */
export interface ProjectKeys<Key> {
  readonly byProject: ReadonlyMap<string, Key>;
  readonly default?: Key;
}

/** One key for every project. */
export function oneKey<Key>(key: Key): ProjectKeys<Key> {
  return { byProject: new Map(), default: key };
}

/** The key a project's canvases use: its own, else the default; undefined when there is neither. */
export function keyOf<Key>(keys: ProjectKeys<Key>, projectId: string): Key | undefined {
  return keys.byProject.get(projectId) ?? keys.default;
}

/** Every distinct key, once each. */
export function distinctKeys<Key>(keys: ProjectKeys<Key>): Key[] {
  return [...new Set([...keys.byProject.values(), ...(keys.default === undefined ? [] : [keys.default])])];
}

/** The same projects, each key turned into another thing: a key shared by projects stays shared. */
export function mapKeys<Key, To>(keys: ProjectKeys<Key>, to: (key: Key) => To): ProjectKeys<To> {
  const made = new Map(distinctKeys(keys).map((key) => [key, to(key)]));
  const convert = (key: Key) => made.get(key) as To;
  return {
    byProject: new Map([...keys.byProject].map(([project, key]) => [project, convert(key)])),
    ...(keys.default === undefined ? {} : { default: convert(keys.default) }),
  };
}

/** The projects named in the keys (and "default" when there is a default key). */
export function projectsNamed<Key>(keys: ProjectKeys<Key>): string[] {
  return [...keys.byProject.keys(), ...(keys.default === undefined ? [] : [DEFAULT_PROJECT])];
}
