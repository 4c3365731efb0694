import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '../config';
import type { ReapLogger } from '../core/ports';

/**
 * Last line of defence behind the log records' own redaction: whatever reaches a log line, a signed URL's query
 * string or a Basic/Bearer credential is cut out of it.
 */
export function redactSecretsInLogValue(_key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._-]{8,}/g, '$1 [redacted]')
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s?"]*)\?[^\s"]*/gi, '$1?[redacted]');
}

/** Powertools Logger: one JSON line per call, Lambda request context attached when there is one. */
export function createLogger(options: { serviceName: string; logLevel: LogLevel }): Logger {
  return new Logger({
    serviceName: options.serviceName,
    logLevel: options.logLevel,
    jsonReplacerFn: redactSecretsInLogValue,
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
