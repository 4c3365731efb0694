import * as path from 'node:path';
import { REAPER_HANDLER_ENTRY } from '#infra/paths';
import { bundleWithStackSettings } from './bundle';
import { measureImportMs } from './import-time';
import { median } from './stats';

export interface ArtifactMeasurement {
  bundleBytes: number;
  importMsSamples: number[];
  importMs: number;
}

/** The deployable handler: built as the stack builds it, then imported in fresh Node processes. */
export async function measureArtifact(workDir: string, importRuns: number): Promise<ArtifactMeasurement> {
  const bundle = await bundleWithStackSettings(REAPER_HANDLER_ENTRY, path.join(workDir, 'handler'));
  const importMsSamples = await measureImportMs(bundle.file, importRuns);
  return { bundleBytes: bundle.bytes, importMsSamples, importMs: median(importMsSamples) };
}
