import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ran, runToEnd } from '#test-support/child-process';

/**
 * Every command README.md and docs/*.md show runs as written: each `npm run …`, `npx canvas-reaper…` and ops example
 * names a script or bin that exists, a command its CLI lists, and only flags that command's `--help` names (read at
 * test time, so a flag or command added later is known without touching this test); no flag sits before npm's `--`,
 * where npm would take it for itself. Every `--json` example whose output goes to a pipe or a file keeps npm's
 * banner off stdout, and, run as written against the local world, prints one JSON document. AWS CLI and `cdk`
 * commands are out of scope.
 */

const root = path.resolve(__dirname, '../..');
const GUIDES = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin?: Record<string, string>;
};

/** One command as a guide writes it. */
interface DocCommand {
  file: string;
  /** The command as written, up to the first pipe, redirection, `&&`, `;` or comment. */
  text: string;
  /** `npm run <script>`, or `npx <bin>`. */
  runner: { kind: 'script' | 'bin'; name: string; silent: boolean };
  /** Where the guide shows it: a shell block (copied and run) or an inline code span in prose. */
  place: 'block' | 'prose';
  /** Flags npm would read as its own options (written between the script's name and `--`). */
  npmWords: string[];
  /** The words the command itself receives. */
  args: string[];
  /** What follows the command on its line: `|` or `>` means its stdout is read by something else. */
  followedBy: string;
}

/** Fenced blocks of these languages hold commands; others hold JSON, code, sample output or a file tree. */
const SHELL_BLOCKS = ['sh', 'bash', 'shell', 'console'];

/** The text of a guide that holds commands: its fenced shell blocks (continuations joined) and its inline code spans. */
function commandTexts(markdown: string): { text: string; place: DocCommand['place'] }[] {
  const texts: { text: string; place: DocCommand['place'] }[] = [];
  const withoutBlocks = markdown.replace(/^```(\w*)\n([\s\S]*?)^```/gm, (_, language: string, block: string) => {
    if (SHELL_BLOCKS.includes(language))
      texts.push(
        ...block
          .replace(/\\\n\s*/g, ' ')
          .split('\n')
          .map((text) => ({ text, place: 'block' as const })),
      );
    return '';
  });
  for (const [, span] of withoutBlocks.matchAll(/`([^`\n]+)`/g)) texts.push({ text: span!, place: 'prose' });
  return texts;
}

const COMMAND = /\b(?:npm run((?: (?:-s|--silent))?) ([a-z][\w:-]*)|npx (canvas-reaper[\w-]*))((?:[^|;&>)#`]|&(?!&))*)(.*)$/;

/** Splits a command's words the way a shell would for these simple cases (quotes kept together, quotes removed). */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(([, double, single, bare]) => double ?? single ?? bare!);
}

function documentedCommands(): DocCommand[] {
  const found: DocCommand[] = [];
  for (const file of GUIDES) {
    for (const { text: line, place } of commandTexts(readFileSync(path.join(root, file), 'utf8'))) {
      // A line may hold several commands (`npm run ops -- pause && npm run ops -- resume`).
      let rest = line;
      for (let match = COMMAND.exec(rest); match; match = COMMAND.exec(rest)) {
        const [whole, silent, script, bin, tail, after] = match;
        const all = words(tail!);
        const dashes = all.indexOf('--');
        found.push({
          file,
          place,
          text: whole!.slice(0, whole!.length - after!.length).trim(),
          runner: script ? { kind: 'script', name: script, silent: silent !== '' } : { kind: 'bin', name: bin!, silent: true },
          // npm passes plain words on to the script, but keeps every flag written before `--` for itself.
          npmWords: script ? (dashes < 0 ? all : all.slice(0, dashes)).filter((word) => word.startsWith('-')) : [],
          args: script
            ? [
                ...(dashes < 0 ? all : all.slice(0, dashes)).filter((word) => !word.startsWith('-')),
                ...(dashes < 0 ? [] : all.slice(dashes + 1)),
              ]
            : all,
          followedBy: after!.trim(),
        });
        rest = after!;
      }
    }
  }
  return found;
}

const run = (command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Ran> => runToEnd(command, args, { cwd: root, env });

/** The environment of a child: this one's, with the project's own commands first on PATH (as npm gives a script). */
const stateDir = mkdtempSync(path.join(tmpdir(), 'docs-commands-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
  // The local world and --print-env find each other through os.tmpdir(): a private TMPDIR keeps this test to its own.
  TMPDIR: stateDir,
  NO_COLOR: '1',
  npm_config_update_notifier: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** A script's own command line (`tsx ops/cli.ts`, `exec node bin/x.js`): run with these words, as npm would. */
function runScript(name: string, args: readonly string[], env = childEnv): Promise<Ran> {
  return run('sh', ['-c', `${packageJson.scripts[name]} "$@"`, name, ...args], env);
}

function runBin(name: string, args: readonly string[], env = childEnv): Promise<Ran> {
  return run(process.execPath, [path.join(root, packageJson.bin![name]!), ...args], env);
}

/** The source file a script runs with tsx or node, if it does (`tsx bench/run.ts` → bench/run.ts). */
function scriptSource(name: string): string | undefined {
  const match = /^(?:exec )?(?:tsx|node) (\S+\.[cm]?[jt]s)\b/.exec(packageJson.scripts[name] ?? '');
  return match?.[1];
}

/** Whether a script's file answers --help: a bin of the package does, as does a file that handles the flag. */
function hasHelp(source: string): boolean {
  const bins = Object.values(packageJson.bin ?? {}).map((file) => path.normalize(file));
  return bins.includes(path.normalize(source)) || readFileSync(path.join(root, source), 'utf8').includes('--help');
}

/** The `--flags` and, for a CLI with subcommands, the commands its `--help` lists. */
interface Help {
  text: string;
  flags: Set<string>;
  commands: Set<string>;
}

function helpOf(text: string): Help {
  const commandsSection = /^Commands:\n((?: {2}.*\n?)+)/m.exec(text)?.[1] ?? '';
  return {
    text,
    flags: new Set([...text.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)].map(([, flag]) => flag!)),
    commands: new Set([...commandsSection.matchAll(/^ {2}([a-z][a-z-]*)(?= {2,}| *$)/gm)].map(([, command]) => command!)),
  };
}

const helps = new Map<string, Promise<Help>>();
/** `--help` of a script or bin, optionally of one of its commands; cached, since guides repeat commands. */
function help(runner: DocCommand['runner'], command?: string): Promise<Help> {
  const key = `${runner.kind}:${runner.name}:${command ?? ''}`;
  let pending = helps.get(key);
  if (!pending) {
    const args = command ? [command, '--help'] : ['--help'];
    pending = (runner.kind === 'bin' ? runBin(runner.name, args) : runScript(runner.name, args)).then((ran) => {
      if (ran.code !== 0) throw new Error(`${runner.name} ${args.join(' ')} exited ${ran.code}: ${ran.stderr}`);
      return helpOf(`${ran.stdout}${ran.stderr}`);
    });
    helps.set(key, pending);
  }
  return pending;
}

const commands = documentedCommands();
const isDeclared = (command: DocCommand) =>
  command.runner.name in (command.runner.kind === 'script' ? packageJson.scripts : (packageJson.bin ?? {}));
const label = (command: DocCommand) => `${command.file}: ${command.text}`;
const readsStdout = (command: DocCommand) => /^(\||>)/.test(command.followedBy);

describe('the commands of README.md and docs/*.md', () => {
  it('are found: the test reads the guides it means to', () => {
    const files = new Set(commands.map((command) => command.file));
    for (const file of ['README.md', 'docs/deploy.md', 'docs/day-2.md', 'docs/operations.md', 'docs/runs.md'])
      expect(files).toContain(file);
    expect(commands.filter((command) => command.runner.name === 'ops').length).toBeGreaterThan(30);
    expect(commands.some((command) => command.args.includes('--json'))).toBe(true);
  });

  it('name scripts of package.json and bins it declares', () => {
    const undeclared = commands.filter((command) => !isDeclared(command));
    expect(undeclared.map((command) => `${label(command)}: package.json has no ${command.runner.kind} ${command.runner.name}`)).toEqual([]);
  });

  // Prose may quote a wrong spelling to warn against it (docs/command-line.md quotes `npm run reap --dry-run`).
  it('put no flag before `--` in a shell block, where npm would take it for its own option and the command would never see it', () => {
    for (const command of commands.filter((c) => c.place === 'block')) expect(command.npmWords, label(command)).toEqual([]);
  });

  it("keep npm's banner off stdout when a --json output goes to a pipe or a file (npm run -s, or the bin)", () => {
    for (const command of commands.filter((c) => c.args.includes('--json') && readsStdout(c)))
      expect(command.runner.silent, `${label(command)} ${command.followedBy}`).toBe(true);
  });

  it('use only commands and flags that their --help names', { timeout: 600_000 }, async () => {
    const problems: string[] = [];
    // A command whose script or bin does not exist is reported by the test above.
    const checked = commands.filter((command) => command.args.length > 0 && isDeclared(command));
    await Promise.all(
      checked.map(async (command) => {
        const { runner } = command;
        if (runner.kind === 'script') {
          const source = scriptSource(runner.name);
          // Only a tsx/node script of ours has a --help to read; `npm run cdk -- …` and the like are out of scope.
          if (!source) return;
          if (!hasHelp(source)) {
            problems.push(`${label(command)}: npm run ${runner.name} has no --help to check its arguments against`);
            return;
          }
        }
        const top = await help(runner);
        const [first] = command.args;
        const sub = top.commands.size > 0 && first !== undefined && !first.startsWith('-') ? first : undefined;
        if (top.commands.size > 0 && sub !== undefined && !top.commands.has(sub)) {
          problems.push(`${label(command)}: "${sub}" is not a command (${[...top.commands].join(', ')})`);
          return;
        }
        const known = sub ? await help(runner, sub) : top;
        for (const word of command.args.filter((arg) => arg.startsWith('--'))) {
          const flag = word.split('=')[0]!;
          if (!known.flags.has(flag)) problems.push(`${label(command)}: ${flag} is not in its --help (${[...known.flags].join(' ')})`);
        }
      }),
    );
    expect(problems).toEqual([]);
  });
});

describe('the --json examples, run as written against the local world', () => {
  let world: ReturnType<typeof spawn>;
  let worldEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    world = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-world.ts'], {
      cwd: root,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    world.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      world.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Local world up')) resolve();
      });
      world.once('exit', (code) => reject(new Error(`the local world exited (${code}) before it was up: ${err}`)));
    });
    const printed = await runScript('local', ['--print-env']);
    expect(printed.code, printed.stderr).toBe(0);
    worldEnv = { ...childEnv };
    for (const [, name, value] of printed.stdout.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm))
      worldEnv[name!] = value!.startsWith("'") ? value!.slice(1, -1).replaceAll(`'\\''`, "'") : value!;
    // A run to report: last-run reads the newest finished run from the log group.
    const invoked = await runScript('ops', ['invoke', '--dry-run'], worldEnv);
    expect(invoked.code, invoked.stderr).toBe(0);
  }, 180_000);

  afterAll(() => {
    if (world && world.exitCode === null && world.signalCode === null) world.kill('SIGINT');
  });

  // `npm run bench -- --json` is a 13-minute benchmark: its flags are checked above, its run is left to `npm run bench`.
  const jsonExamples = [
    ...new Map(
      commands
        .filter((command) => command.args.includes('--json') && readsStdout(command) && command.runner.name !== 'bench')
        .map((command) => [command.text, command] as const),
    ).values(),
  ];

  it('there are such examples', () => {
    expect(jsonExamples.length).toBeGreaterThan(3);
  });

  it.each(jsonExamples.map((command) => [label(command), command] as const))(
    '%s prints one JSON document on stdout',
    { timeout: 180_000 },
    async (_, command) => {
      // The shell runs it as a reader of the docs would: through npm (or the bin), with the world's variables.
      const ran = await run('sh', ['-c', command.text], worldEnv);
      expect([0, 1], ran.stderr).toContain(ran.code);
      expect(() => JSON.parse(ran.stdout), `stdout was: ${ran.stdout.slice(0, 300)}`).not.toThrow();
    },
  );
});
