import { readFileSync } from 'node:fs';
import path from 'node:path';

/** "canvas-lock-reaper 0.1.0": package.json's name and version, what every command's --version prints. */
export function versionLine(): string {
  // Read at the call, from the repository's package.json (the CLIs run from the repository, through tsx).
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { name: string; version: string };
  return `${manifest.name} ${manifest.version}`;
}
