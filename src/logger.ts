/**
 * A pino-compatible logger. gameward prints nothing by itself: pass a logger to see what it does.
 * Each method takes a structured object first and a message second, as pino does.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** The default logger: silent. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});

/**
 * Wraps a user's logger so that a logger that throws can never break supervision.
 * Returns the silent logger when none is given.
 */
export function safeLogger(logger: Logger | undefined): Logger {
  if (logger === undefined) return silentLogger;
  const call =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      try {
        logger[level](obj, msg);
      } catch {
        // A broken logger must not take the supervisor down with it.
      }
    };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}
