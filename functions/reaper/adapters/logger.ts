import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '../config';
import type { ReapLogger } from '../core/ports';
import { jsonRedactor } from './redact';

/**
 * Powertools Logger: one JSON line per call, Lambda request context attached when there is one. Every value (and
 * key) of a line goes through the one redaction pass (adapters/redact.ts) on its way out.
 */
export function createLogger(options: { serviceName: string; logLevel: LogLevel }): Logger {
  return new Logger({
    serviceName: options.serviceName,
    logLevel: options.logLevel,
    jsonReplacerFn: jsonRedactor(),
  });
}

/** The core's narrow logging port (a message and one object of fields) over Powertools' Logger. */
export function asReapLogger(logger: Logger): ReapLogger {
  return {
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}
