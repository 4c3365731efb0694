import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTrackedCanvasTable, getRow, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import { runCli } from '#ops/commands/reap';
import type { OpsIo } from '#ops/io';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { captureOutput } from '#test-support/output-capture';
import { minutesFromNow } from '#test-support/reaper-harness';

/**
 * Values from the table are other systems' data. Printed raw, an ESC sequence, a carriage return or a bidi override
 * in an id or a lockId could clear the screen, recolour or rewrite a confirmation prompt. Everything that reaches a
 * terminal shows them escaped.
 */

/** Anything a terminal would act on, except the newlines we write ourselves. */
const ACTS_ON_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const EVIL_ID = 'asset_evil\x1b[2J\x1b[H';
const EVIL_LOCK_ID = 'lk\x1b[31m\u202eFAKE\r\u009b2K';
const EVIL_DATE = '\x1b]0;pwned\x07';

let dynamo: DynamoDBClient;
let tableName: string;
const unusedSecrets = unusedSecretsClient();

beforeAll(() => {
  dynamo = localDynamoClient(inject('dynamoEndpoint'));
});
afterAll(() => dynamo.destroy());
beforeEach(async () => {
  tableName = `ops-text-${randomUUID()}`;
  await createTrackedCanvasTable(dynamo, tableName);
  await putRow(dynamo, tableName, { assetId: EVIL_ID });
  await putRow(dynamo, tableName, { assetId: 'asset_evilLock', lockExpiresAt: minutesFromNow(30), lockId: EVIL_LOCK_ID });
  await putRow(dynamo, tableName, { assetId: 'asset_evilDate', lockExpiresAt: EVIL_DATE });
});

function ops(argv: string[], options: Partial<OpsIo> & { answer?: boolean } = {}) {
  const env = {
    [ENV.tableName]: tableName,
    // ops unlock needs the reaper's whole configuration; nothing here reaches the API.
    [ENV.apiBaseUrl]: 'http://127.0.0.1:9/v1',
    [ENV.localApiKey]: 'key',
    [ENV.localApiSecret]: 'secret',
  };
  return runOpsCapturing(argv, { env, awsClients: { dynamo, secrets: unusedSecrets }, ...options });
}

describe('values from the table, on a terminal', () => {
  it('ops status shows them escaped, in the table and in --json', async () => {
    const table = await ops(['status'], { stdoutIsTerminal: true, env: { [ENV.tableName]: tableName } });
    expect(table.code).toBe(EXIT.ok);
    // Only our own colour codes: SGR sequences, nothing that moves the cursor, clears or retitles.
    expect(table.stdout.replace(/\x1b\[\d+m/g, '')).not.toMatch(ACTS_ON_TERMINAL);
    expect(table.stdout).toContain('asset_evil\\x1b[2J\\x1b[H');
    expect(table.stdout).toContain('lk\\x1b[31m\\u202eFAKE\\r\\x9b2K');
    expect(table.stdout).toContain('\\x1b]0;pwned\\x07');

    const json = await ops(['status', '--json']);
    expect(json.stdout).not.toMatch(ACTS_ON_TERMINAL);
    const ids = JSON.parse(json.stdout).canvases.map((c: { assetId: string; lockId?: string }) => [c.assetId, c.lockId]);
    expect(ids).toEqual(
      expect.arrayContaining([
        [EVIL_ID, undefined],
        ['asset_evilLock', EVIL_LOCK_ID],
      ]),
    );
  });

  it('the ops unlock question cannot be rewritten by a lockId', async () => {
    const { code, questions } = await ops(['unlock', 'asset_evilLock'], { interactive: true, answer: false });
    expect(code).toBe(EXIT.usageOrConfig);
    expect(questions[0]).not.toMatch(ACTS_ON_TERMINAL);
    expect(questions[0]).toContain('lock lk\\x1b[31m\\u202eFAKE\\r\\x9b2K until');

    const mismatch = await ops(['unlock', 'asset_evilLock', '--lock-id', 'mine', '--yes']);
    expect(mismatch.stderr).not.toMatch(ACTS_ON_TERMINAL);
  });

  it('ops track and untrack messages show them escaped', async () => {
    const track = await ops(['track', 'asset_evilLock', '--lock-expires-at', '2020-01-01T00:00:00Z'], { interactive: true, answer: false });
    expect(track.questions[0]).not.toMatch(ACTS_ON_TERMINAL);
    expect(track.questions[0]).toContain('lockId lk\\x1b[31m');

    const scripted = await ops(['untrack', 'asset_evilLock']);
    expect(scripted.code).toBe(EXIT.usageOrConfig);
    expect(scripted.stderr).not.toMatch(ACTS_ON_TERMINAL);

    const untrack = await ops(['untrack', EVIL_ID]);
    expect(untrack.code).toBe(EXIT.ok);
    expect(untrack.stdout).not.toMatch(ACTS_ON_TERMINAL);
    expect(untrack.stdout).toContain('untracked asset_evil\\x1b[2J\\x1b[H; the row held');
    expect(await getRow(dynamo, tableName, EVIL_ID)).toBeUndefined();

    const untrackDate = await ops(['untrack', 'asset_evilDate']);
    expect(untrackDate.stdout).not.toMatch(ACTS_ON_TERMINAL);
  });
});

describe("npm run reap's JSON log lines (issue 16 item 7)", () => {
  it('escape C1 controls and bidi overrides from table values, and keep the values themselves', async () => {
    // An id that is not a valid asset id is logged as it was read (the invalid-row line): C1 CSI, bidi overrides.
    const c1Id = 'asset_c1\u009b2J\u202eFAKE\u2066x\u2069';
    await putRow(dynamo, tableName, { assetId: c1Id, lockExpiresAt: minutesFromNow(-30) });
    const env = {
      [ENV.tableName]: tableName,
      [ENV.apiBaseUrl]: 'http://127.0.0.1:9/v1',
      [ENV.localApiKey]: 'key',
      [ENV.localApiSecret]: 'secret',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    };
    const { result: code, output } = await captureOutput(() =>
      runCli(['--dry-run'], { env, stdout: () => {}, stderr: () => {}, awsClients: { dynamo, secrets: unusedSecrets } }),
    );
    expect(code).toBe(EXIT.canvasFailedOrInvalid); // asset_evilDate is an invalid row
    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    // The lines really carry the hostile values (else this test would pass on any output).
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.filter((line) => line.assetId === c1Id)).toHaveLength(1);
    for (const line of lines) expect(line).not.toMatch(ACTS_ON_TERMINAL);
    expect(output).toContain('\\u009b');
    expect(output).toContain('\\u202e');
  });
});
