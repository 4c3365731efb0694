import type { Expected, Log, Outcome, RequestTally, Row, RowChange, Run, RunCounts, Summary, Verdict } from './expectations';

/**
 * The words of docs/reliability.md for the catalogue's typed expectations. Only the doc uses them: the fault tests
 * compare values, never these sentences.
 */

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function verdictText(v: Verdict): string {
  switch (v.status) {
    case 'unlocked':
      return `unlocked after ${plural(v.attempts, 'attempt')}`;
    case 'unlocked-row-changed':
      return 'unlocked at the API, row changed meanwhile (unlocked-row-changed)';
    case 'would-unlock':
      return 'would unlock (dry run)';
    case 'skipped':
      return `skipped: ${v.reason}`;
    case 'invalid':
      return `invalid: ${v.problem}`;
    case 'failed':
      return `failed${v.step === 'verify' ? ' at verify' : ''}: ${v.kind}${v.httpStatus === undefined ? '' : ` (HTTP ${v.httpStatus})`}`;
    case 'none':
      return 'no outcome reported';
  }
}

function tallyText(t: RequestTally, total: number): string {
  if (t.once === 0 && !t.more) return 'no API request';
  if (t.none === 0 && !t.more) return `all ${total} unlocked, one request each`;
  const parts = [`${t.once} unlocked with one request each`, `${t.none} without any request`];
  if (t.more) parts.push(`${t.more.length} with more than one (${t.more.join(', ')})`);
  return parts.join(', ');
}
const tallyTotal = (t: RequestTally) => t.once + t.none + (t.more?.length ?? 0);

export function outcomeText(o: Outcome): string {
  if ('canvas' in o) {
    const requests = o.unlockRequests === 0 ? 'no unlock sent' : plural(o.unlockRequests, 'unlock request');
    const wait =
      o.sentEarlyByMs === undefined
        ? ''
        : o.sentEarlyByMs === 0
          ? ', the 2nd one after the wait asked for'
          : `, the 2nd one ${o.sentEarlyByMs} ms BEFORE the wait asked for`;
    return `${verdictText(o.canvas)}; ${requests}${wait}`;
  }
  if ('verdict' in o) return verdictText(o.verdict);
  if ('requestsPerCanvas' in o) return tallyText(o.requestsPerCanvas, tallyTotal(o.requestsPerCanvas));
  if ('unlockedOnce' in o) {
    const n = tallyTotal(o.unlockedOnce);
    return o.unlockedOnce.once === n
      ? `each of the ${n} stale canvases unlocked exactly once (${o.unlockRequestsInAll} API requests in all)`
      : `${tallyText(o.unlockedOnce, n)} (${o.unlockRequestsInAll} API requests in all)`;
  }
  if ('stillStaleUnlockedOnce' in o) {
    return `the ${o.stillStaleUnlockedOnce} still-stale canvases unlocked once each; the renewed and the released one: ${o.writerCanvasesUnlocked === 0 ? 'no request' : plural(o.writerCanvasesUnlocked, 'unlock')}`;
  }
  if ('verdicts' in o)
    return Object.entries(o.verdicts)
      .map(([label, v]) => `${label}: ${verdictText(v)}`)
      .join('; ');
  if ('adapterResults' in o) {
    return (
      o.adapterResults.map((r) => `${r.kind}, ${plural(r.attempts, 'attempt')}`).join(' / ') +
      (o.adapterResults.length === 1 ? ' for each' : ' (mixed)')
    );
  }
  if ('payloadRejected' in o) {
    const p = o.payloadRejected;
    return `rejected: PayloadError (${'firstProblem' in p ? p.firstProblem : `${p.problemsListed} problems listed, then ${JSON.stringify(p.lastProblem)}`})`;
  }
  if ('unlockCount' in o)
    return `unlocked ${o.unlockCount === 1 ? 'once' : `${o.unlockCount} times`}: ${plural(o.unlockRequests, 'request')}`;
  if ('thrown' in o) return `the invocation fails (${o.thrown})`;
  if ('redactedLockIdShown' in o) return `shown as "https://cdn.scenario.example/l.png?[redacted]" ${o.redactedLockIdShown} times`;
  if ('refusedAtStart' in o) return `${o.refusedAtStart} of ${o.of} refused at start: ConfigError naming only ${o.variable}`;
  if ('clockAheadMinutes' in o) {
    return `refused: exit ${o.exitCode}, clock error: about ${o.clockAheadMinutes} min ahead, ${o.allowedSeconds?.toFixed(1)} s allowed (grace ${o.graceSeconds} s)`;
  }
  if ('cli' in o) return `${o.cli}: ${o.refused} of ${o.of} refused, exit ${o.exitCode}, saying "${o.said}…"`;
  if ('runStopped' in o) return `${o.unlocked} unlocked (the canvas under way), ${o.runStopped} not started (run-stopped)`;
  if ('apiRequests' in o) return plural(o.apiRequests, 'API request');
  const g = o.grace;
  return `${g.freedInside} freed inside the grace, ${g.keptPast} kept past it (${g.gracesSeconds.map((s) => `G=${s}s`).join(', ')})`;
}

function countsText(c: RunCounts): string {
  const parts = [`examined ${c.examined}`];
  for (const key of ['stale', 'unlocked', 'failed'] as const) if (c[key] !== undefined) parts.push(`${key} ${c[key]}`);
  for (const [key, n] of Object.entries(c.skipped ?? {})) parts.push(`${key} ${n}`);
  let text = parts.join(', ');
  if (c.cutShort) text += `; cutShort, stopReason ${c.cutShort}`;
  if (c.stopDetailNames) text += ` (stopDetail names the ${c.stopDetailNames})`;
  return text;
}

export function summaryText(s: Summary): string {
  if ('counts' in s) return countsText(s.counts);
  if ('invocationFails' in s) return 'none: the invocation fails';
  if ('unlockedInAll' in s) {
    const parts = [`unlocked add up to ${s.unlockedInAll}`];
    if (s.failedInAll !== undefined) parts.push(`failed ${s.failedInAll}`);
    if (s.warningsInAll !== undefined) parts.push(`warnings ${s.warningsInAll}`);
    if (s.notAccountedFor !== undefined) {
      parts.push(
        s.notAccountedFor.length === 0
          ? 'each run examined every row and gave each one outcome'
          : `rows NOT accounted for: ${s.notAccountedFor.join(', ')}`,
      );
    }
    return `the runs' ${parts.join('; ')}`;
  }
  const parts: string[] = [];
  if (s.failure) {
    let failure = `failures: ${s.failure.kind}${s.failure.httpStatus === undefined ? '' : ` ${s.failure.httpStatus}`}`;
    if (s.failureRedactions !== undefined) failure += `, its message kept with ${s.failureRedactions} parts [redacted]`;
    parts.push(failure);
  }
  for (const warning of s.warnings ?? []) parts.push(`warnings: ${warning}`);
  if (s.invalidRow) parts.push('invalidRows');
  if (s.cutShort) parts.push(`cutShort, stopReason ${s.cutShort}`);
  return parts.length > 0 ? parts.join('; ') : 'counted, no failure';
}

export function rowChangeText(r: RowChange): string {
  if (typeof r === 'object') {
    if ('writerLockKept' in r)
      return `the writer's new lock, not overwritten${r.claimLingers ? ' (the claim lingers until the run deadline)' : ''}`;
    return `changed: ${JSON.stringify(r.changedTo)}`;
  }
  const words: Record<typeof r, string> = {
    kept: 'unchanged: keeps its lock, no claim left',
    'kept-claimed': 'keeps its lock; the claim stays until the run deadline',
    'kept-not-found-recorded': 'keeps its lock, no claim left; lastNotFoundAt recorded',
    healed: "healed: Scenario's live expiry, no (old) lockId, no claim; other attributes kept",
    freed: 'lock removed, audit trail written, other attributes kept',
    'freed-other-attributes-changed': 'lock removed, but other attributes CHANGED',
    'as-writer-left-it': 'exactly as the writer left it',
    'still-deleted': 'still deleted (not recreated)',
    untracked: 'untracked (the row is gone)',
    lost: 'row LOST',
    absent: 'no row',
  };
  return words[r];
}

function rowsText(r: { freed: number; unchanged: number; claimsLeft?: number; other?: RowChange[] }): string {
  const parts: string[] = [];
  if (r.freed) parts.push(`${r.freed} freed (audit trail written, other attributes kept)`);
  if (r.unchanged) parts.push(`${r.unchanged} unchanged`);
  for (const other of r.other ?? []) parts.push(rowChangeText(other));
  if (r.claimsLeft !== undefined) parts.push(`${plural(r.claimsLeft, 'claim')} left`);
  return `no row lost: ${parts.join(', ')}`;
}

export function rowText(r: Row): string {
  if ('row' in r) return rowChangeText(r.row);
  if ('notInTable' in r) return 'none in the table (DynamoDB would not store it); nothing written';
  if ('rows' in r) return rowsText(r.rows);
  const claims =
    r.claimsLeftOn === undefined ? '' : `, ${r.claimsLeftOn.length === 0 ? 'no claim' : `claims on ${r.claimsLeftOn.join(', ')}`} left`;
  return `${r.notFreed.length === 0 ? 'every row freed once' : `rows NOT freed: ${r.notFreed.join(', ')}`}${claims}`;
}

const API_PATHS = 'every request on /v1/assets/{id} or /v1/assets/{id}/unlock';

export function runText(r: Run): string {
  if ('goesOn' in r) {
    const parts: string[] = [];
    if (r.othersNotUnlocked?.length === 0) parts.push('the other stale canvases are unlocked');
    if (r.othersNotUnlocked?.length) parts.push(`but other stale canvases are NOT unlocked: ${r.othersNotUnlocked.join(', ')}`);
    if (r.requestsForIt !== undefined)
      parts.push(r.requestsForIt === 0 ? 'no request for it' : `${plural(r.requestsForIt, 'request')} for it`);
    if (r.offPathRequests) parts.push(r.offPathRequests.length === 0 ? API_PATHS : `requests OFF the path: ${r.offPathRequests.join(' ')}`);
    return parts.length === 0 ? 'goes on' : `goes on: ${parts.join('; ')}`;
  }
  if ('stops' in r && 'requestsAfterIt' in r) {
    const after = r.requestsAfterIt.length === 0 ? 'no request after it' : `MORE REQUESTS after it: ${r.requestsAfterIt.join(', ')}`;
    const notTried =
      r.notTriedUnaccounted.length === 0
        ? 'canvases not yet tried reported run-stopped'
        : `canvases not yet tried unaccounted: ${r.notTriedUnaccounted.join(', ')}`;
    return `stops (${r.stops}): ${after}, ${notTried}`;
  }
  if ('beforeLapse' in r) {
    const others = r.othersNotUnlocked.length === 0 ? '' : ` (other stale canvases NOT unlocked: ${r.othersNotUnlocked.join(', ')})`;
    return `goes on${others}; a run before the claim lapses: ${verdictText(r.beforeLapse)}; a run after: ${verdictText(r.afterLapse)} (unlock request #${r.unlockRequestsInAll}), then the row: ${rowChangeText(r.rowAfterwards)}`;
  }
  if ('sdkRetried' in r) return `goes on: the SDK retried the ${plural(r.sdkRetried, `faulted ${r.operation}`)}`;
  if ('stopsAfterAttempts' in r) {
    let text = `stops after ${r.stopsAfterAttempts} ${r.operation} attempts${r.atPage === undefined ? '' : ` at page ${r.atPage}`}`;
    if (r.notTrackedReported !== undefined) text += `; named canvases reported as not-tracked: ${r.notTrackedReported}`;
    if (r.thrown) text += `; the invocation fails (${r.thrown})`;
    if (r.nextRun) {
      const n = r.nextRun;
      text += `; the next run unlocks ${n.unlocks}; then ${tallyText(n.thenRequestsPerCanvas, tallyTotal(n.thenRequestsPerCanvas))}${n.thenRows ? `, ${rowsText(n.thenRows)}` : ''}`;
    }
    return text;
  }
  if ('brakeHolds' in r)
    return `stops (brake), holding ${r.brakeHolds.length === 0 ? 'no project' : r.brakeHolds.join(', ')}; ${r.engagedInRow ? 'the brake row holds the engagement' : 'the engagement NOT in the brake row (the next run decides again)'}; ${r.marksMoved ? 'the marks moved' : 'the marks not moved'}`;
  if ('scanPages' in r)
    return `goes on across ${r.scanPages} Scan pages; ${r.notExaminedOnce.length === 0 ? 'every row examined once' : `NOT examined once: ${r.notExaminedOnce.join(', ')}`}`;
  if ('batchGetRounds' in r)
    return `${r.stops ? 'stops' : 'goes on'} after ${r.batchGetRounds} BatchGetItem rounds, waiting ${r.waitsMs.join(', ')} ms between them`;
  if ('nothingDone' in r) {
    const n = r.nothingDone;
    const parts = [
      ...(n.dynamoOperations
        ? [n.dynamoOperations.length === 0 ? 'no DynamoDB request' : `only ${n.dynamoOperations.join(', ')} (the clock check)`]
        : []),
      ...(n.secretReads === undefined ? [] : [n.secretReads === 0 ? 'no secret read' : plural(n.secretReads, 'secret read')]),
      n.apiRequests === 0 ? 'no API request' : plural(n.apiRequests, 'API request'),
    ];
    return `nothing done: ${parts.join(', ')}`;
  }
  if ('assetRecord' in r)
    return `asset record: ${Object.entries(r.assetRecord)
      .map(([key, value]) => `${key} ${JSON.stringify(value)}`)
      .join(', ')}`;
  if ('thrownRedactions' in r) return `the thrown error (what the failure queue keeps) has ${r.thrownRedactions} parts [redacted]`;
  if ('exitCodes' in r) return `ops status, status --json, untrack --yes: exit ${r.exitCodes.join(', ')}`;
  if ('exitCode' in r) {
    let text = `exit ${r.exitCode}; ${r.summaryOnStdout ? 'the summary on stdout' : 'NO summary on stdout'}`;
    if (r.failureTableOnStderr !== undefined)
      text += r.failureTableOnStderr ? ', the failure table on stderr' : ', NO failure table on stderr';
    if (r.apiRequests !== undefined) text += `; ${plural(r.apiRequests, 'API request')}`;
    return text;
  }
  if ('runs' in r) return `${r.runs} runs overlap; ${r.distinctUnlocked} distinct canvases unlocked`;
  if ('cliExitCode' in r)
    return `CLI exit code ${r.cliExitCode}, ${r.lambdaReturnedSummary ? 'the Lambda returns its summary' : 'the Lambda returns NO summary'}`;
  return r.adapterRequests === 0 ? 'no request at all' : plural(r.adapterRequests, 'request');
}

export function logText(l: Log): string {
  if ('stderr' in l) return `stderr: ${l.stderr}`;
  if ('rawTerminalControls' in l)
    return `${plural(l.jsonLines, 'JSON log line')}, ${l.rawTerminalControls === 0 ? 'no C1 or bidi control raw in them (written \\uXXXX)' : `${l.rawTerminalControls} C1 or bidi controls RAW in them`}`;
  if ('warnOrAbove' in l)
    return l.warnOrAbove.length === 0
      ? 'nothing at warn or above about these canvases'
      : l.warnOrAbove.map((line) => `${line.level}: ${line.message}`).join(' + ');
  if (l.lines.length === 0) return 'nothing above debug';
  return l.lines
    .map((line) => `${line.level}: ${line.message}${line.redactedUrls ? `, redactedUrls ${line.redactedUrls.join(', ')}` : ''}`)
    .join(' + ');
}

/** The five outcome columns of a case, in words; `notes` (doc-only) follow the value they qualify. */
export function expectedText(e: Expected, notes: Partial<Record<keyof Expected, string>> = {}): Record<keyof Expected, string> {
  /** A column that does not apply reads "n/a", or its note alone. */
  const column = <T>(name: keyof Expected, value: T | null, render: (value: T) => string) => {
    const note = notes[name];
    if (value === null) return note ?? 'n/a';
    return note ? `${render(value)} ${note}` : render(value);
  };
  return {
    outcome: column('outcome', e.outcome, outcomeText),
    summary: column('summary', e.summary, summaryText),
    row: column('row', e.row, rowText),
    run: column('run', e.run, runText),
    log: column('log', e.log, logText),
  };
}
