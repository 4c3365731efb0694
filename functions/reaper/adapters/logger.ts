import { Logger, type LogItem, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '../config';
import type { ReapLogger } from '../core/ports';
import { jsonRedactor } from './redact';
import { escapeTerminalControlsInJson } from './terminal-json';

/**
 * Powertools Logger whose lines are terminal-safe: JSON.stringify escapes C0 controls, but leaves C1 controls
 * (U+009B is a one-character CSI) and bidi overrides raw, and `npm run reap` prints these lines to a terminal. They
 * are written as \uXXXX escapes, so each line is still JSON with the same values.
 */
class TerminalSafeLogger extends Logger {
  protected override printLog(logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    const line = escapeTerminalControlsInJson(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
    // Through the console Powertools built (private to TypeScript only), so whoever redirects it (npm run reap --json
    // sends the lines to stderr) still does; as Powertools does, WARN and above go to its stderr.
    const out = (this as unknown as { console: Console }).console;
    if (logLevel >= LogLevelThreshold.WARN) out.error(line);
    else out.log(line);
  }

  /** A child logger (createChild) is terminal-safe too. */
  protected override createLogger(options?: ConstructorParameters<typeof Logger>[0]): Logger {
    return new TerminalSafeLogger(options);
  }
}

/**
 * Powertools Logger: one JSON line per call, Lambda request context attached when there is one. Every value (and
 * key) of a line goes through the one redaction pass (adapters/redact.ts) on its way out, and every line through the
 * terminal escaping (terminal-json.ts).
 */
export function createLogger(options: { serviceName: string; logLevel: LogLevel }): Logger {
  return new TerminalSafeLogger({
    serviceName: options.serviceName,
    logLevel: options.logLevel,
    jsonReplacerFn: jsonRedactor(),
  });
}

/**
 * The core's narrow logging port (a message and one object of fields) over Powertools' Logger. A DEBUG line below the
 * logger's level is dropped here: Powertools would read the X-Ray trace id from the environment for it first, and an
 * idle run logs one such line per row. (Equivalent only without Powertools' log buffering, which createLogger never
 * turns on: a buffered DEBUG line would be kept for a later error.)
 */
export function asReapLogger(logger: Logger): ReapLogger {
  return {
    debug: (message, fields) => {
      if (logger.level <= LogLevelThreshold.DEBUG) logger.debug(message, fields ?? {});
    },
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}
