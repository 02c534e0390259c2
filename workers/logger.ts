import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Paths whose values never reach a log line: certificates, keys, credentials, tokens, and whole
 * Kong configs (they embed certificates and consumer credentials).
 */
export const redactedPaths: readonly string[] = [
  'password',
  'token',
  'key',
  'cert',
  'config',
  '*.password',
  '*.token',
  '*.key',
  '*.cert',
  '*.ca',
  '*.credentials',
  '*.config',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'err.config',
];

export interface CreateLoggerOptions {
  /** @defaultValue 'info' */
  readonly level?: string;
  /** Bound to every line as `component`. */
  readonly component?: string;
  /** @defaultValue standard output */
  readonly destination?: DestinationStream;
}

export function createLogger({ level = 'info', component, destination }: CreateLoggerOptions = {}): Logger {
  const options: LoggerOptions = {
    level,
    base: { app: 'kong-fleet', ...(component ? { component } : {}) },
    redact: { paths: [...redactedPaths], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
