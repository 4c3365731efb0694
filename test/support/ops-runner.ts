import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runOps } from '#ops/cli';
import { runCli } from '#ops/commands/reap';
import type { OpsIo } from '#ops/io';
import { captureOutput } from './output-capture';

/**
 * Runs one ops command in process and collects what it printed, what it asked, and the log lines it wrote.
 * By default no one is at a terminal; `interactive: true` with `answer` plays the person answering each question.
 * The Scheduler, CloudWatch Logs and SQS clients of the operator commands may be given beside the others.
 */
export async function runOpsCapturing(argv: string[], io: Partial<OpsIo> & { env: OpsIo['env']; answer?: boolean }) {
  let stdout = '';
  let stderr = '';
  const questions: string[] = [];
  const { answer, ...given } = io;
  const { result: code, lines } = await captureOutput(() =>
    runOps(argv, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      interactive: false,
      confirm: async (question) => {
        questions.push(question);
        return answer ?? false;
      },
      cwd: process.cwd(),
      ...given,
    }),
  );
  return { code, stdout, stderr, questions, logLines: lines };
}

/** Runs the local reap CLI (npm run reap) in process and collects what it printed and the log it wrote. */
export async function runReapCapturing(argv: string[], io: Omit<OpsIo, 'stdout' | 'stderr'>) {
  let stdout = '';
  let stderr = '';
  const {
    result: code,
    output,
    lines,
  } = await captureOutput(() =>
    runCli(argv, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      ...io,
    }),
  );
  return { code, stdout, stderr, output, lines };
}

/** A Secrets Manager client for commands that must not read a secret: it points at a closed port, never at AWS. */
export function unusedSecretsClient(): SecretsManagerClient {
  return new SecretsManagerClient({
    region: 'local',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
}
