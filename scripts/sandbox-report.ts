import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { SeedRow } from '#local/tracked-canvas-table';
import { formatTable, wrapText } from '#ops/kit/text-table';

export interface SandboxCanvas {
  row: SeedRow;
  /** What a person should expect to see for this canvas. */
  expect: string;
}

type Row = Record<string, AttributeValue> | undefined;

export interface SandboxReportInput {
  canvases: SandboxCanvas[];
  logLines: Record<string, any>[];
  before: Map<string, Row>;
  after: Map<string, Row>;
  exitCode: number;
  cliSummaryLine: string;
  apiRequests: number;
  unlockRequests: number;
  /** Values that must never appear in the output: the API secret, the Basic credential, URL signatures. */
  secretValues: string[];
  rawOutput: string;
  /** A terminal's columns: every line fits them (cells clipped with an ellipsis, prose wrapped). None in a pipe. */
  width?: number;
}

/** Renders the sandbox run for a person: one line per canvas, the summary, and the safety checks. */
export function renderSandboxReport(input: SandboxReportInput): string {
  const outcomeOf = (assetId: string) => input.logLines.find((line) => line.assetId === assetId && typeof line.status === 'string');
  const rows = input.canvases.map((canvas) => {
    const id = canvas.row.assetId;
    const outcome = outcomeOf(id);
    return [
      id,
      lockText(input.before.get(id)),
      outcome ? describeOutcome(outcome) : '(no outcome logged)',
      lockText(input.after.get(id)),
      canvas.expect,
    ];
  });
  const table = formatTable(['canvas', 'lock before', 'outcome', 'lock after', 'expected'], rows, 60, false, {
    // On a narrow terminal the two lock columns give way first: the outcome is what a person came to see.
    ...(input.width === undefined ? {} : { lineWidth: input.width, squeezeFirst: [3, 1] }),
  });
  const finished = input.logLines.find((line) => line.message === 'reap run finished')?.summary;
  const assetLine = input.logLines.find((line) => line.message === 'canvas unlocked');
  const leaked = input.secretValues.filter((value) => value && input.rawOutput.includes(value));
  const lines = [
    table,
    '',
    `Summary (npm run reap exited ${input.exitCode}): ${input.cliSummaryLine}`,
    finished
      ? `  examined ${finished.examined}, stale ${finished.stale}, unlocked ${finished.unlocked}, failed ${finished.failed}, ` +
        `skipped: ${skippedText(finished.skipped)}; cut short: ${finished.cutShort}\n` +
        `  per project: ${Object.entries(finished.projects as Record<string, { unlocked: number; failed: number; refused: boolean }>)
          .map(([project, p]) => `${project} ${p.unlocked} unlocked, ${p.failed} failed${p.refused ? ' (key REFUSED)' : ''}`)
          .join('; ')}; refused projects: ${JSON.stringify(finished.refusedProjects)}`
      : '  (no summary line found)',
    `  ${input.apiRequests} request(s) reached the Scenario stand-in: ${input.unlockRequests} unlock(s), the rest GETs that verified each lock first.`,
    '',
    'One "canvas unlocked" log line as the Lambda writes it (signed URLs redacted, listed by path only):',
    assetLine ? `  ${JSON.stringify(assetLine)}` : '  (none)',
    '',
    leaked.length === 0
      ? `Secret check: none of the ${input.secretValues.length} secret values (API secret, Basic credential, URL signatures) appear in the run's output.`
      : `Secret check FAILED: ${leaked.length} secret value(s) appear in the output.`,
    'Exit codes: 0 nothing failed; 1 a canvas failed or a row is invalid (as here: one 404, one refused key and two invalid rows); 2 usage/config error.',
    '',
  ];
  const width = input.width;
  // The table's lines are fitted already; every other line is prose (or one JSON log line), wrapped to the terminal.
  const fitted = (line: string) => {
    if (width === undefined) return line;
    // The JSON log line is cut into whole lines of the terminal's width, so it reads (and copies) as one line would.
    if (line.startsWith('  {')) return (line.match(new RegExp(`.{1,${width}}`, 'gu')) ?? []).join('\n');
    return wrapText(line, width, 4);
  };
  return [table, ...lines.slice(1).map(fitted)].join('\n');
}

/** The skip counters that are not zero, in the words of ops status and the summary table ("live or in-grace 2"). */
function skippedText(skipped: Record<string, number>): string {
  const words: Record<string, string> = { live: 'live or in-grace', notLocked: 'not-locked', renewedAtSource: 'renewed-at-source' };
  const counted = Object.entries(skipped).filter(([, count]) => count > 0);
  return counted.length === 0 ? 'none' : counted.map(([reason, count]) => `${words[reason] ?? reason} ${count}`).join(', ');
}

function lockText(row: Row): string {
  if (!row) return '(row missing!)';
  const expires = row.lockExpiresAt;
  if (!expires) return row.lastForceUnlockedAt?.S ? `free (unlocked ${row.lastForceUnlockedAt.S.slice(11, 19)})` : 'free';
  const value = expires.S ?? JSON.stringify(expires);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return `"${value}"`;
  const seconds = Math.round((at - Date.now()) / 1000);
  const healed = row.lastHealedAt?.S ? ' (healed from Scenario)' : '';
  return `${seconds >= 0 ? `expires in ${formatSpan(seconds)}` : `expired ${formatSpan(-seconds)} ago`}${healed}`;
}

function formatSpan(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} days`;
}

function describeOutcome(line: Record<string, any>): string {
  switch (line.status) {
    case 'unlocked':
      return `UNLOCKED${line.attempts > 1 ? ` (${line.attempts} attempts)` : ''}`;
    case 'skipped':
      if (line.reason === 'renewed-at-source') return 'skipped: renewed-at-source (live at Scenario)';
      // The reaper's reason "live" covers an expired lock still within the grace: ops status calls that in-grace.
      if (line.reason === 'live' && Date.parse(line.lockExpiresAt) <= Date.parse(line.timestamp ?? '')) return 'skipped: in-grace';
      return `skipped: ${line.reason}`;
    case 'invalid':
      return `INVALID: ${line.problem}`;
    case 'failed':
      return `FAILED (${line.kind}${line.httpStatus ? ` ${line.httpStatus}` : ''})`;
    default:
      return String(line.status);
  }
}
