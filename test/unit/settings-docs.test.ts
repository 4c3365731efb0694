import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS_DOC_FILES, withGeneratedSettings } from '../../scripts/settings-docs';

const read = (file: string) => readFileSync(join(process.cwd(), file), 'utf8');

describe('the settings tables of docs/settings.md and docs/deploy.md', () => {
  it.each(SETTINGS_DOC_FILES)('%s holds exactly what the settings table generates (regenerate: npm run docs:settings)', (file) => {
    const text = read(file);
    expect(withGeneratedSettings(file, text)).toBe(text);
  });

  it('would be caught drifting: an edited default or a deleted row is rewritten', () => {
    const text = read('docs/settings.md');
    const edited = text.replace('| `GRACE_SECONDS` | `reaper:graceSeconds` | `60` |', '| `GRACE_SECONDS` | `reaper:graceSeconds` | `61` |');
    expect(edited).not.toBe(text);
    expect(withGeneratedSettings('docs/settings.md', edited)).toBe(text);
    const withoutRow = text.replace(/^\| `BRAKE_SHARE` .*\n/m, '');
    expect(withoutRow).not.toBe(text);
    expect(withGeneratedSettings('docs/settings.md', withoutRow)).toBe(text);
  });

  it('refuses a file whose markers are gone, naming the block', () => {
    expect(() => withGeneratedSettings('docs/deploy.md', '# no markers\n')).toThrow(/docs\/deploy\.md has no "context-keys" block/);
  });
});
