import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const all = { ...manifest.dependencies, ...manifest.devDependencies };

describe('package.json', () => {
  it('pins every dependency exactly (npm here picks older versions silently when a range allows it)', () => {
    expect(Object.entries(all).filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version))).toEqual([]);
  });

  it('keeps every AWS SDK client on one release, and every Powertools package on one version', () => {
    const versionsOf = (prefix: string) =>
      new Set(
        Object.entries(all)
          .filter(([name]) => name.startsWith(prefix))
          .map(([, version]) => version),
      );
    expect(versionsOf('@aws-sdk/client-').size).toBe(1);
    expect(versionsOf('@aws-lambda-powertools/').size).toBe(1);
  });
});

/** Every .ts file under a folder of the repository, as paths from the repository's root. */
function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.posix.join(folder, file.split(path.sep).join('/')));
}

/** The repository folder each import of a file lands in (`#reaper/x` → functions/reaper/x, `../x` resolved). */
function importedPaths(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const aliases: Record<string, string> = {
    '#reaper/': 'functions/reaper/',
    '#ops/': 'ops/',
    '#local/': 'local/',
    '#infra/': 'infra/',
    '#test-support/': 'test/support/',
  };
  return [...text.matchAll(/(?:from|import|require\()\s*'([^']+)'/g)].map(([, specifier]) => {
    const alias = Object.keys(aliases).find((prefix) => specifier!.startsWith(prefix));
    if (alias) return aliases[alias] + specifier!.slice(alias.length);
    if (specifier!.startsWith('.')) return path.posix.join(path.posix.dirname(file), specifier!);
    return `package:${specifier}`;
  });
}

/** `file imports target` for every import of the folder's files that lands under one of the forbidden folders. */
function importsInto(folder: string, forbidden: readonly string[]): string[] {
  return sourceFiles(folder).flatMap((file) =>
    importedPaths(file)
      .filter((target) => forbidden.some((prefix) => target.startsWith(prefix)))
      .map((target) => `${file} imports ${target}`),
  );
}

describe('layers', () => {
  it('functions/reaper (the Lambda) imports nothing from ops/, local/, scripts/, bench/ or test/', () => {
    expect(importsInto('functions/reaper', ['ops/', 'local/', 'scripts/', 'bench/', 'test/'])).toEqual([]);
  });

  it('functions/reaper holds no command-line entry point: every command-line tool lives in ops/', () => {
    const entryPoints = sourceFiles('functions').filter((file) =>
      /process\.argv|require\.main === module/.test(readFileSync(path.join(ROOT, file), 'utf8')),
    );
    expect(entryPoints).toEqual([]);
  });

  it('core/ imports nothing outside itself (clock, store and lock API are parameters)', () => {
    const outside = sourceFiles('functions/reaper/core').flatMap((file) =>
      importedPaths(file)
        .filter((target) => !target.startsWith('functions/reaper/core/'))
        .map((target) => `${file} imports ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('infra/ imports nothing from ops/ (the stack is built from the Lambda and its settings alone)', () => {
    expect(importsInto('infra', ['ops/'])).toEqual([]);
  });
});
