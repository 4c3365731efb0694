import { statSync } from 'node:fs';
import * as path from 'node:path';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';
import { REAPER_BUNDLING } from '#infra/constructs/reaper-function';

/** The esbuild options the stack's NodejsFunction derives from REAPER_BUNDLING (the one source of the settings). */
export const STACK_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: REAPER_BUNDLING.target,
  format: REAPER_BUNDLING.format === OutputFormat.ESM ? 'esm' : 'cjs',
  minify: REAPER_BUNDLING.minify,
  keepNames: REAPER_BUNDLING.keepNames,
  sourcemap: REAPER_BUNDLING.sourceMap,
  sourcesContent: REAPER_BUNDLING.sourcesContent,
  external: REAPER_BUNDLING.externalModules,
  mainFields: REAPER_BUNDLING.mainFields,
  banner: { js: REAPER_BUNDLING.banner },
} satisfies BuildOptions;

export interface Bundle {
  /** The .mjs file (NodejsFunction names it index.mjs). */
  file: string;
  /** Size of the .mjs file alone; the source map next to it is not loaded at run time. */
  bytes: number;
}

/** Bundles `entry` into `outdir/<name>.mjs` with the stack's settings (`overrides` only for a readable profile). */
export async function bundleWithStackSettings(
  entry: string,
  outdir: string,
  name = 'index',
  overrides: Pick<BuildOptions, 'minify' | 'keepNames'> = {},
): Promise<Bundle> {
  const file = path.join(outdir, `${name}.mjs`);
  await build({ ...STACK_ESBUILD_OPTIONS, ...overrides, entryPoints: [entry], outfile: file, logLevel: 'warning' });
  return { file, bytes: statSync(file).size };
}
