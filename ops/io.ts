import type { AwsClients } from '#reaper/wiring';

/** Everything a command touches outside itself, so tests can run it in process. */
export interface OpsIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** A person at a terminal: only then show progress and ask for confirmation. */
  interactive: boolean;
  /** Asks a yes/no question on the terminal; resolves true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
  /** Directory where cdk-outputs.json is looked for. */
  cwd: string;
  /** stdout / stderr is a terminal: only then colour and the human summary table. */
  stdoutIsTerminal?: boolean;
  stderrIsTerminal?: boolean;
  /** The terminal's width, when stdout is one: tables and lines are fitted to it. */
  terminalColumns?: number;
  awsClients?: AwsClients;
}

export type OpsCommand = (argv: readonly string[], io: OpsIo) => Promise<number>;
