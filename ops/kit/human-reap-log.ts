import { terminalSafe } from '#reaper/adapters/terminal-text';
import type { LogLevel } from '#reaper/config';
import type { ReapLogger } from '#reaper/core/ports';
import { clipText, relativeTime } from './text-table';

/** Powertools' level order; a line shows when its level is at or above the configured one. */
const LEVELS: readonly string[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
/** Messages the summary that follows already says in full. */
const SAID_BY_THE_SUMMARY = new Set(['reap run started', 'reap run finished']);
/** Columns given to the canvas id and to the state word, so the lines of a run line up. */
const ID_COLUMN = 28;
const STATE_COLUMN = 17;

type Fields = Record<string, unknown>;

export interface HumanReapLogOptions {
  write: (text: string) => void;
  /** The terminal's columns: each line is clipped to it (with an ellipsis). */
  width: number;
  level: LogLevel;
  /** Now, in ms since the epoch: an in-grace lock (expired, within the grace) is told apart from a live one. */
  now: () => number;
}

/**
 * The run's log as a person at a terminal reads it: one line per canvas (its id, one state word, what happened),
 * and one line per other warning or error. The state words are those of `ops status` and of the summary's reasons:
 * an expired lock within the grace is `in-grace`, a lock not yet expired `live`. JSON log lines (Powertools) are what
 * a pipe gets, and what --log-format json asks for.
 */
export function humanReapLogger(options: HumanReapLogOptions): ReapLogger {
  const threshold = Math.max(0, LEVELS.indexOf(options.level));
  const line =
    (level: string) =>
    (message: string, fields: Fields = {}) => {
      if (LEVELS.indexOf(level) < threshold || SAID_BY_THE_SUMMARY.has(message)) return;
      options.write(`${clipText(terminalSafe(describe(level, message, fields, options.now())), options.width)}\n`);
    };
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

function describe(level: string, message: string, fields: Fields, now: number): string {
  const assetId = typeof fields.assetId === 'string' ? fields.assetId : undefined;
  const status = typeof fields.status === 'string' ? fields.status : undefined;
  if (assetId === undefined || status === undefined) {
    const error = typeof fields.error === 'string' ? `: ${fields.error}` : '';
    return `${assetId === undefined ? '' : `${assetId}  `}${level.toLowerCase()}: ${message}${error}`;
  }
  const [state, detail] = stateOf(status, fields, now);
  const id = assetId.length >= ID_COLUMN ? `${assetId} ` : assetId.padEnd(ID_COLUMN);
  return `${id} ${state.padEnd(STATE_COLUMN)} ${detail}`.trimEnd();
}

/** One word for the canvas's state, and a few words on why. */
function stateOf(status: string, fields: Fields, now: number): [string, string] {
  const expiry = typeof fields.lockExpiresAt === 'string' ? fields.lockExpiresAt : undefined;
  const expiryText = expiry === undefined ? '' : lockTime(expiry, now);
  switch (status) {
    case 'unlocked': {
      const attempts = typeof fields.attempts === 'number' && fields.attempts > 1 ? `, after ${fields.attempts} attempts` : '';
      return ['unlocked', `lock ${expiryText}${attempts}`];
    }
    case 'unlocked-row-changed':
      return ['unlocked', 'but the row changed meanwhile: POSSIBLE LIVE-LOCK UNLOCK (see the warnings)'];
    case 'would-unlock':
      return ['would-unlock', `lock ${expiryText}`];
    case 'skipped': {
      const reason = String(fields.reason);
      if (reason === 'live') {
        const expired = expiry !== undefined && Date.parse(expiry) <= now;
        return [expired ? 'in-grace' : 'live', `lock ${expiryText}`];
      }
      if (reason === 'renewed-at-source' && typeof fields.sourceLockExpiresAt === 'string')
        return [reason, `live at Scenario (lock ${lockTime(fields.sourceLockExpiresAt, now)}); row healed`];
      return [reason, expiryText === '' ? '' : `lock ${expiryText}`];
    }
    case 'invalid':
      return ['invalid', `${String(fields.problem ?? '')}; left untouched`];
    case 'failed': {
      const http = typeof fields.httpStatus === 'number' ? ` ${fields.httpStatus}` : '';
      const step = typeof fields.step === 'string' ? ` at ${fields.step}` : '';
      return ['failed', `${String(fields.kind ?? '')}${http}${step}: ${String(fields.error ?? '')}`];
    }
    default:
      return [status, ''];
  }
}

/** "expired 10m ago", "expires in 4m": a lock's expiry against now (an unreadable one quoted). */
function lockTime(expiresAt: string, now: number): string {
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return JSON.stringify(expiresAt.slice(0, 40));
  const seconds = (at - now) / 1000;
  return seconds > 0 ? `expires ${relativeTime(seconds)}` : `expired ${relativeTime(seconds)}`;
}
