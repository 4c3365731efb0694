import { describe, expect, it } from 'vitest';
import { EXIT } from '#ops/kit/exit-codes';
import { useOpsWorld } from '#test-support/ops-world';

/** ops itself: its command list and each command's --help, an unknown command, and the shape of a usage mistake. */

const world = useOpsWorld('ops-dispatch');

describe('ops itself', () => {
  const ops = world.ops;
  it('lists its commands on --help and refuses an unknown one with exit 2', async () => {
    const help = await ops(['--help']);
    expect(help.code).toBe(EXIT.ok);
    for (const command of ['status', 'track', 'untrack', 'unlock', 'reap', 'invoke']) expect(help.stdout).toContain(`  ${command} `);
    const unknown = await ops(['frobnicate']);
    expect(unknown.code).toBe(EXIT.usageOrConfig);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('refuses a name the command table only inherits (toString, constructor) as an unknown command', async () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      const { code, stderr } = await ops([name]);
      expect({ name, code }).toEqual({ name, code: EXIT.usageOrConfig });
      expect(stderr).toContain(`unknown command "${name}"`);
    }
  });

  it('answers a usage mistake with the message, one usage line and where to read more', async () => {
    const { code, stderr } = await ops(['status', '--bogus']);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr.trimEnd().split('\n')).toEqual([
      "ops status: Unknown option '--bogus'",
      expect.stringMatching(/^Usage: npm run ops -- status \[--stale-only\]/),
      'See: npm run ops -- status --help',
    ]);
  });

  it.each([
    [['status', '--grace-seconds', '-5'], /^ops status: --grace-seconds must be a whole number from 0 to \d+, got "-5"$/],
    [
      ['invoke', '--grace-seconds', '-5', '--function-name', 'X'],
      /^ops invoke: --grace-seconds must be a whole number from 0 to \d+, got "-5"$/,
    ],
    [
      ['status', '--limit', '--json'],
      /^ops status: --limit needs a value, got the option --json \(write a value that starts with "-" as --limit=VALUE\)$/,
    ],
    [['status', '--sort'], /^ops status: --sort needs a value$/],
  ])('%j gets our own message, not parseArgs\' "ambiguous"', async (argv, message) => {
    const { code, stderr } = await ops(argv);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr.split('\n')[0]).toMatch(message);
    expect(stderr).not.toContain('ambiguous');
  });

  it("calls unlock a person's deliberate force-unlock, not the emergency brake", async () => {
    const overview = (await ops(['--help'])).stdout;
    const unlockHelp = (await ops(['unlock', '--help'])).stdout;
    for (const text of [overview, unlockHelp]) {
      expect(text).toMatch(/a person's deliberate force-unlock/i);
      expect(text).not.toMatch(/emergency brake/i);
    }
  });

  it.each(['status', 'track', 'untrack', 'unlock', 'invoke'])('%s --help explains the command', async (command) => {
    const { code, stdout } = await ops([command, '--help']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain(`npm run ops -- ${command}`);
    expect(stdout).toContain('Exit codes');
  });
});
