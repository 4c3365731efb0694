import { pathToFileURL } from 'node:url';
import { runNodeForResult } from './node-process';

const PREFIX = 'IMPORT_MS ';

/**
 * The cold-start cost of the code: milliseconds to import the bundled handler in a fresh Node process, measured
 * inside that process (so Node's own start-up is not counted), once per run; runs are sequential.
 */
export async function measureImportMs(file: string, runs: number): Promise<number[]> {
  const script = `const t = performance.now(); import(${JSON.stringify(pathToFileURL(file).href)}).then(() => console.log(${JSON.stringify(PREFIX)} + (performance.now() - t)));`;
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) samples.push(await runNodeForResult<number>(['-e', script], PREFIX));
  return samples;
}
