import { build, type BuildOptions } from 'esbuild';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { REAPER_BUNDLE_TARGET } from '../infra/constructs/reaper-function';

/**
 * The esbuild options the stack's NodejsFunction produces for the reaper (see the `bundling` props in
 * infra/constructs/reaper-function.ts and the arguments aws-cdk-lib's Bundling passes to esbuild).
 * Only the target is exported there (REAPER_BUNDLE_TARGET, imported); the rest is not, so it is COPIED here:
 * keep it in step with the construct, or export one constant from infra and import it instead.
 */
export const STACK_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: REAPER_BUNDLE_TARGET,
  format: 'esm',
  minify: true,
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  // externalModules: [] — nothing is external, the pinned AWS SDK is bundled.
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __reaperCreateRequire } from 'node:module'; const require = __reaperCreateRequire(import.meta.url);",
  },
} as const satisfies BuildOptions;

export interface Bundle {
  /** The .mjs file (NodejsFunction names it index.mjs). */
  file: string;
  /** Size of the .mjs file alone; the source map next to it is not loaded at run time. */
  bytes: number;
}

/** Bundles `entry` into `outdir/<name>.mjs` with the stack's settings. */
export async function bundleWithStackSettings(entry: string, outdir: string, name = 'index'): Promise<Bundle> {
  const file = path.join(outdir, `${name}.mjs`);
  await build({ ...STACK_ESBUILD_OPTIONS, mainFields: [...STACK_ESBUILD_OPTIONS.mainFields], entryPoints: [entry], outfile: file, logLevel: 'warning' });
  return { file, bytes: statSync(file).size };
}
