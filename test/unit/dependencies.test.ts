import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
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
