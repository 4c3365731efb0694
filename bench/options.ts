import { UsageError } from '#ops/kit/usage-error';
import { CONFIG_DEFAULTS } from '#reaper/config';

/** What one `npm run bench` measures; every number here is printed with the results so a run explains itself. */
export interface BenchOptions {
  quick: boolean;
  json: boolean;
  /** Rows in the large table (read cost, peak RSS, idle run). */
  rows: number;
  /** Share of the large table's rows whose lock is stale. */
  staleShare: number;
  /** Latency the Scenario stand-in adds to every answer. */
  latencyMs: number;
  /** The in-flight limit of the headline measurement (defaults to the production default). */
  concurrency: number;
  /** Rows of the unlock table: every row stale, so a run's time is unlock time. */
  unlockRows: number;
  /** In-flight limits of the sweep, verification on (the headline limit is always included). */
  sweep: number[];
  /** In-flight limits measured with verification off too, beside on (the headline limit is always included). */
  sweepOff: number[];
  /** Runs at the headline limit; the median is reported. */
  repeats: number;
  /** Fresh Node processes importing the bundled handler; the median is reported. */
  importRuns: number;
  /** Stale canvases of the unlock-growth case: one table, topped up to each count in turn, peak RSS per run. */
  growthStale: number[];
}

const FULL = { rows: 100_000, unlockRows: 2_000, repeats: 3, importRuns: 7, growthStale: [10_000, 20_000] };
// Small enough for CI to finish in well under a minute, large enough to exercise every code path.
const QUICK = { rows: 2_000, unlockRows: 100, repeats: 1, importRuns: 5, growthStale: [200, 400] };
const DEFAULT_SWEEP = [1, 4, 16, 32, 64];
const DEFAULT_SWEEP_OFF = [16];

export const USAGE = `Usage: npm run bench -- [--quick] [--json] [--rows N] [--stale-share F] [--latency-ms N] [--concurrency N]
                            [--unlock-rows N] [--sweep 1,4,16,32,64] [--sweep-off 16] [--repeats N] [--import-runs N]
                            [--growth-stale 10000,20000]`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'quick' || name === 'json') {
      flags.set(name, true);
      continue;
    }
    if (inline === undefined) i += 1;
    const value = inline ?? argv[i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const known = new Set([
    'quick',
    'json',
    'rows',
    'stale-share',
    'latency-ms',
    'concurrency',
    'unlock-rows',
    'sweep',
    'sweep-off',
    'repeats',
    'import-runs',
    'growth-stale',
  ]);
  for (const name of flags.keys()) if (!known.has(name)) throw new UsageError(`unknown flag --${name}`);

  const quick = flags.get('quick') === true;
  const preset = quick ? QUICK : FULL;
  const concurrency = integer(flags, 'concurrency', CONFIG_DEFAULTS.maxInFlight, 1, 256);
  const sweep = limits(flags, 'sweep', DEFAULT_SWEEP, concurrency);
  // Every limit measured with verification off is measured with it on too, so the two can be compared.
  const sweepOff = limits(flags, 'sweep-off', DEFAULT_SWEEP_OFF, concurrency);
  return {
    quick,
    json: flags.get('json') === true,
    rows: integer(flags, 'rows', preset.rows, 1, 10_000_000),
    staleShare: fraction(flags, 'stale-share', 0.1),
    latencyMs: integer(flags, 'latency-ms', 50, 1, 10_000),
    concurrency,
    unlockRows: integer(flags, 'unlock-rows', preset.unlockRows, 1, 1_000_000),
    sweep: [...new Set([...sweep, ...sweepOff])].sort((a, b) => a - b),
    sweepOff,
    repeats: integer(flags, 'repeats', preset.repeats, 1, 50),
    importRuns: integer(flags, 'import-runs', preset.importRuns, 1, 100),
    growthStale: counts(flags, 'growth-stale', preset.growthStale),
  };
}

/** A comma-separated list of counts, in the order given (the growth case tops one table up to each in turn). */
function counts(flags: Map<string, string | true>, name: string, fallback: readonly number[]): number[] {
  const raw = flags.get(name);
  const listed = typeof raw === 'string' ? raw.split(',').map((part) => toInteger(name, part, 1, 1_000_000)) : [...fallback];
  return [...new Set(listed)].sort((a, b) => a - b);
}

/** A comma-separated list of in-flight limits, the headline limit added, sorted and without repeats. */
function limits(flags: Map<string, string | true>, name: string, fallback: readonly number[], concurrency: number): number[] {
  const raw = flags.get(name);
  const listed = typeof raw === 'string' ? raw.split(',').map((part) => toInteger(name, part, 1, 256)) : fallback;
  return [...new Set([...listed, concurrency])].sort((a, b) => a - b);
}

function integer(flags: Map<string, string | true>, name: string, fallback: number, min: number, max: number): number {
  const raw = flags.get(name);
  return typeof raw === 'string' ? toInteger(name, raw, min, max) : fallback;
}

function toInteger(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number in ${min}..${max}, got "${raw}"`);
  return value;
}

function fraction(flags: Map<string, string | true>, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (typeof raw !== 'string') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new UsageError(`--${name} must be a number in 0..1, got "${raw}"`);
  return value;
}
