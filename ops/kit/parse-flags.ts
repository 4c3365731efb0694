import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error';

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs, strict, with --help/-h added and every mistake turned into a UsageError in our words.
 * A value-taking flag followed by a negative number (`--grace-seconds -5`) is read as that value, so the flag's own
 * check says what is wrong with it, instead of parseArgs' "argument is ambiguous" (its `allowNegative` is about
 * `--no-` booleans, not negative numbers).
 */
export function parseFlags<T extends FlagOptions>(argv: readonly string[], options: T, positionals: { min: number; max: number }) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: T & { help: { type: 'boolean'; short: 'h' } }; strict: true; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(parseArgsMessage(error));
  }
  const values = parsed.values as Record<string, unknown>;
  const count = parsed.positionals.length;
  if (!values.help && (count < positionals.min || count > positionals.max)) {
    throw new UsageError(
      positionals.max === 0
        ? `unexpected argument ${JSON.stringify(parsed.positionals[0])}`
        : `expected ${positionals.min === positionals.max ? positionals.min : `${positionals.min} to ${positionals.max}`} argument(s), got ${count}`,
    );
  }
  return { values, positionals: parsed.positionals, help: values.help === true };
}

/** The flag named by `arg` when it is a value-taking flag written without `=value`. */
function valueFlag(arg: string, options: FlagOptions): string | undefined {
  if (arg.startsWith('--') && !arg.includes('=')) return options[arg.slice(2)]?.type === 'string' ? arg : undefined;
  if (/^-[A-Za-z]$/.test(arg))
    return Object.values(options).some((option) => option.short === arg[1] && option.type === 'string') ? arg : undefined;
  return undefined;
}

function joinNegativeValues(argv: readonly string[], options: FlagOptions): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const flag = valueFlag(arg, options);
    const next = argv[i + 1];
    if (flag === undefined || next === undefined || !next.startsWith('-')) {
      args.push(arg);
      continue;
    }
    if (!/^-\d/.test(next))
      throw new UsageError(`${flag} needs a value, got the option ${next} (write a value that starts with "-" as ${flag}=VALUE)`);
    args.push(flag.startsWith('--') ? `${flag}=${next}` : `${flag}${next}`);
    i += 1;
  }
  return args;
}

/** parseArgs' own messages run to three lines; keep what names the mistake. */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /^Option '(-[^ ']+)(?:, (--[^ ']+))? <value>' argument missing/.exec(message);
  if (missing) return `${missing[2] ?? missing[1]} needs a value`;
  return message.split('\n')[0]!.split('. ')[0]!;
}
