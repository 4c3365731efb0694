import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialsError, parseSecretValue, projectsFileCredentials } from '#reaper/adapters/credentials';
import { ConfigError, loadConfig } from '#reaper/config';
import { distinctKeys, keyOf } from '#reaper/core/project';
import { ENV } from '#reaper/settings';

const parse = (value: unknown) => parseSecretValue(JSON.stringify(value), 'secret s');
const problem = (value: unknown) => {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialsError);
    return (error as Error).message;
  }
  throw new Error('parsed');
};

describe('the credentials value: one pair, or a pair per Scenario project', () => {
  it("reads today's single pair as the default key: every project uses it", () => {
    const keys = parse({ apiKey: 'k', apiSecret: 's' });
    expect(keys.byProject.size).toBe(0);
    expect(keyOf(keys, 'proj_any')).toEqual({ apiKey: 'k', apiSecret: 's' });
    expect(keyOf(keys, 'default')).toEqual({ apiKey: 'k', apiSecret: 's' });
  });

  it('one pair listed for several projects is one key (a refusal covers every project that lists it)', () => {
    const pair = { apiKey: 'k', apiSecret: 's' };
    const keys = parse({ projects: { proj_a: pair, proj_b: pair, proj_c: { apiKey: 'k', apiSecret: 'other' } }, default: pair });
    expect(distinctKeys(keys)).toHaveLength(2);
    expect(keyOf(keys, 'proj_a')).toBe(keyOf(keys, 'proj_b'));
    expect(keyOf(keys, 'proj_a')).toBe(keyOf(keys, 'default'));
  });

  it('refuses __proto__, constructor and prototype as project ids, by path; toString and hasOwnProperty are ordinary ids', () => {
    const pair = { apiKey: 'k', apiSecret: 's' };
    for (const reserved of ['__proto__', 'constructor', 'prototype']) {
      const text = `{"projects":{"${reserved}":{"apiKey":"k","apiSecret":"s"}}}`;
      expect(() => parseSecretValue(text, 'secret s')).toThrow(`projects["${reserved}"] projectId "${reserved}" is reserved`);
    }
    const keys = parse({ projects: { toString: pair, hasOwnProperty: { apiKey: 'k2', apiSecret: 's2' } } });
    expect(keyOf(keys, 'toString')).toEqual(pair);
    expect(keyOf(keys, 'hasOwnProperty')).toEqual({ apiKey: 'k2', apiSecret: 's2' });
    expect(keyOf(keys, 'valueOf')).toBeUndefined();
    expect(({} as Record<string, unknown>).apiKey).toBeUndefined();
  });

  it('reads a pair per project, with an optional default for rows without (or with another) project', () => {
    const keys = parse({ projects: { proj_a: { apiKey: 'ka', apiSecret: 'sa' } }, default: { apiKey: 'kd', apiSecret: 'sd' } });
    expect(keyOf(keys, 'proj_a')).toEqual({ apiKey: 'ka', apiSecret: 'sa' });
    expect(keyOf(keys, 'default')).toEqual({ apiKey: 'kd', apiSecret: 'sd' });
    expect(keyOf(keys, 'proj_other')).toEqual({ apiKey: 'kd', apiSecret: 'sd' });
    expect(keyOf(parse({ projects: { proj_a: { apiKey: 'ka', apiSecret: 'sa' } } }), 'proj_other')).toBeUndefined();
  });

  it('names every problem by its path inside the value, never a value', () => {
    const message = problem({
      projects: { proj_a: { apiKey: 'visible-key', apiSecret: '' }, 'bad id!': {}, default: { apiKey: 'k', apiSecret: 's' } },
      default: { apiKey: 7 },
    });
    expect(message).toContain('projects.proj_a.apiSecret is empty');
    expect(message).toContain('projects["bad id!"] projectId is not 1-128');
    expect(message).toContain('projects["default"] is reserved');
    expect(message).toContain('default.apiKey is not a string');
    expect(message).toContain('default.apiSecret is missing');
    expect(message).not.toContain('visible-key');
    expect(problem({ apiKey: 'k', apiSecret: 's', extra: 'x' })).toContain('"extra" is not expected here');
    expect(problem({ projects: {} })).toContain('projects is empty and there is no default pair');
  });
});

describe('SCENARIO_PROJECTS_FILE', () => {
  const file = (mode: number) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'projects-'));
    const name = path.join(dir, 'projects.json');
    writeFileSync(name, JSON.stringify({ projects: { proj_a: { apiKey: 'ka', apiSecret: 'sa' } } }));
    chmodSync(name, mode);
    return name;
  };

  it('is read when only its owner may read it, and refused when every user may', async () => {
    expect((await projectsFileCredentials(file(0o600)).get()).byProject.has('proj_a')).toBe(true);
    await expect(projectsFileCredentials(file(0o644)).get()).rejects.toThrow(
      /grants permissions to group or others \(mode 0644\); make it private first: chmod 600/,
    );
  });

  // Issue 16 item 10: any permission for group or others is refused, as is a symlink (its target's mode is not the
  // file's, and the link may be swapped between the check and the read).
  it.each(['640', '604', '660', '620', '610', '601'])('is refused with mode %s (group or others have a permission)', async (mode) => {
    const name = file(Number.parseInt(mode, 8));
    await expect(projectsFileCredentials(name).get()).rejects.toThrow(
      new RegExp(`projects file ${name} grants permissions to group or others \\(mode 0${mode}\\); make it private first: chmod 600`),
    );
  });

  it('is read with mode 400, and refused when it is a symlink, even to a private file', async () => {
    expect((await projectsFileCredentials(file(0o400)).get()).byProject.has('proj_a')).toBe(true);
    const target = file(0o600);
    const link = path.join(path.dirname(target), 'link.json');
    symlinkSync(target, link);
    await expect(projectsFileCredentials(link).get()).rejects.toThrow(
      /projects file .*link\.json is a symbolic link; name the file itself/,
    );
  });

  it('is one source of credentials: set with another, the run refuses to start and names them', () => {
    const env = { [ENV.tableName]: 'tracked', [ENV.projectsFile]: '/tmp/p.json', [ENV.localApiKey]: 'k', [ENV.localApiSecret]: 's' };
    expect(() => loadConfig(env, 'local')).toThrow(ConfigError);
    expect(() => loadConfig(env, 'local')).toThrow(
      /SCENARIO_PROJECTS_FILE: is set together with SCENARIO_SDK_API_KEY\/SCENARIO_SDK_API_SECRET/,
    );
    const { [ENV.localApiKey]: _k, [ENV.localApiSecret]: _s, ...fileOnly } = env;
    expect(loadConfig(fileOnly, 'local').credentials).toEqual({ kind: 'projects-file', path: '/tmp/p.json' });
  });
});
