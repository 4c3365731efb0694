import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../core/ports';
import { DEFAULT_PROJECT, type ProjectKeys, projectIdProblem } from '../core/project';

export interface ApiCredentials {
  apiKey: string;
  apiSecret: string;
}

/**
 * The Scenario key pairs a run may use: a pair per project, and an optional default pair for rows that name no
 * project (or another one). Scenario API keys belong to one project, so a studio with several projects gives one pair
 * per project. A secret with one pair (`{"apiKey","apiSecret"}`) is just the default. Identical pairs are one object,
 * so the run judges (and refuses) the key, not the projects that list it.
 */
export type ScenarioKeys = ProjectKeys<ApiCredentials>;

export interface CredentialsProvider {
  get(): Promise<ScenarioKeys>;
  /** Forget the cached value (after the API refused a key of it: the secret may have been rotated). */
  invalidate(): void;
}

/** A credentials problem; the message names the source and what is wrong (a path inside it), never the value. */
export class CredentialsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialsError';
  }
}

export function staticCredentials(keys: ScenarioKeys): CredentialsProvider {
  return { get: async () => keys, invalidate: () => undefined };
}

/**
 * Reads the key pairs from Secrets Manager and keeps them for `cacheSeconds`, so a warm Lambda does not call Secrets
 * Manager every five minutes, yet picks up a rotated secret (or a project added to it) within that time.
 */
export function secretsManagerCredentials(options: {
  client: SecretsManagerClient;
  secretId: string;
  cacheSeconds: number;
  clock: Clock;
}): CredentialsProvider {
  let cached: { value: ScenarioKeys; fetchedAtMs: number } | undefined;
  return {
    async get() {
      const now = options.clock.now();
      if (cached && now - cached.fetchedAtMs < options.cacheSeconds * 1000) return cached.value;
      let secretString: string | undefined;
      try {
        const answer = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
        secretString = answer.SecretString;
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new CredentialsError(`reading secret ${options.secretId} failed: ${reason}`);
      }
      const value = parseSecretValue(secretString, `secret ${options.secretId}`);
      cached = { value, fetchedAtMs: now };
      return value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/**
 * A local JSON file of the secret's shape (SCENARIO_PROJECTS_FILE), read on each run. It holds API secrets, so it is
 * refused when its mode grants anything to group or others, and when it is a symbolic link (the link's target could
 * be swapped between the check and the read). The file is opened without following a link and checked through the
 * open descriptor, so what is checked is what is read.
 */
export function projectsFileCredentials(path: string): CredentialsProvider {
  return {
    async get() {
      const where = `projects file ${path}`;
      let text: string;
      try {
        if (lstatSync(path).isSymbolicLink()) {
          throw new CredentialsError(`${where} is a symbolic link; name the file itself (with mode 600)`);
        }
        const fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
        try {
          const stats = fstatSync(fd);
          if (!stats.isFile()) throw new CredentialsError(`${where} is not a regular file`);
          if ((stats.mode & 0o077) !== 0) {
            const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
            throw new CredentialsError(
              `${where} grants permissions to group or others (mode 0${mode}); make it private first: chmod 600 ${path}`,
            );
          }
          text = readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        if (error instanceof CredentialsError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') throw new CredentialsError(`${where} is a symbolic link; name the file itself (with mode 600)`);
        throw new CredentialsError(`${where} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      }
      return parseSecretValue(text, where);
    },
    invalidate: () => undefined,
  };
}

const SINGLE_SHAPE = '{"apiKey":"…","apiSecret":"…"}';
const PROJECTS_SHAPE = '{"projects":{"<projectId>":{"apiKey":"…","apiSecret":"…"}},"default"?:{"apiKey":"…","apiSecret":"…"}}';

/**
 * Validates the value's shape: one pair, or a pair per project with an optional default. Every problem is named by
 * its path inside the value (`projects.proj_a.apiSecret is empty`); no part of the value is ever echoed.
 */
export function parseSecretValue(text: string | undefined, where: string): ScenarioKeys {
  const pairs = new Map<string, ApiCredentials>();
  // The same pair given twice is the same key (one object): refusing it refuses every project that lists it.
  const samePair = (pair: ApiCredentials) => {
    const id = JSON.stringify([pair.apiKey, pair.apiSecret]);
    if (!pairs.has(id)) pairs.set(id, pair);
    return pairs.get(id) as ApiCredentials;
  };
  const expected = `expected ${SINGLE_SHAPE} or ${PROJECTS_SHAPE}`;
  if (text === undefined || text.trim() === '') throw new CredentialsError(`${where} has no string value; ${expected}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${where} is not JSON; ${expected}`);
  }
  if (!isObject(parsed)) throw new CredentialsError(`${where} is JSON but not an object; ${expected}`);
  const problems: string[] = [];
  if (!Object.hasOwn(parsed, 'projects')) {
    const pair = keyPair(parsed, '', problems);
    for (const key of Object.keys(parsed)) if (key !== 'apiKey' && key !== 'apiSecret') problems.push(`${label(key)} is not expected here`);
    if (problems.length > 0 || !pair) throw new CredentialsError(`${where}: ${problems.join('; ')}`);
    return { byProject: new Map(), default: pair };
  }
  const projects = new Map<string, ApiCredentials>();
  for (const key of Object.keys(parsed))
    if (key !== 'projects' && key !== 'default') problems.push(`${label(key)} is not expected here (only "projects" and "default")`);
  if (!isObject(parsed.projects)) {
    problems.push('projects is not an object of {"<projectId>": {"apiKey","apiSecret"}}');
  } else {
    for (const [projectId, value] of Object.entries(parsed.projects)) {
      const idProblem = projectId === DEFAULT_PROJECT ? 'is reserved (put the default pair in "default")' : projectIdProblem(projectId);
      if (idProblem) {
        problems.push(`projects[${JSON.stringify(projectId.slice(0, 40))}] ${idProblem}`);
        continue;
      }
      const pair = keyPair(value, `projects.${projectId}.`, problems);
      if (pair) projects.set(projectId, samePair(pair));
    }
  }
  const defaultPair = Object.hasOwn(parsed, 'default') ? keyPair(parsed.default, 'default.', problems) : undefined;
  if (problems.length === 0 && projects.size === 0 && !defaultPair) problems.push('projects is empty and there is no default pair');
  if (problems.length > 0) throw new CredentialsError(`${where}: ${problems.join('; ')}`);
  return { byProject: projects, ...(defaultPair ? { default: samePair(defaultPair) } : {}) };
}

function keyPair(value: unknown, path: string, problems: string[]): ApiCredentials | undefined {
  if (!isObject(value)) {
    problems.push(`${path ? path.slice(0, -1) : 'the value'} is not an object {"apiKey","apiSecret"}`);
    return undefined;
  }
  const before = problems.length;
  const field = (name: 'apiKey' | 'apiSecret') => {
    const raw = Object.hasOwn(value, name) ? value[name] : undefined;
    if (raw === undefined) problems.push(`${path}${name} is missing`);
    else if (typeof raw !== 'string') problems.push(`${path}${name} is not a string`);
    else if (raw.trim() === '') problems.push(`${path}${name} is empty`);
    return typeof raw === 'string' ? raw.trim() : '';
  };
  const apiKey = field('apiKey');
  const apiSecret = field('apiSecret');
  return problems.length === before ? { apiKey, apiSecret } : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key of the value, for a message: quoted, cut short (a key is not a secret, but it is not ours either). */
function label(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}
