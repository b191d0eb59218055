/** Any pino-compatible logger (pino, bunyan-style, or a console shim). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: object): Logger;
}

/** The default: says nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A logger with extra bindings on every line (uses `child` when the logger has it). */
export function childLogger(logger: Logger, bindings: object): Logger {
  if (logger.child) return logger.child(bindings);
  const wrap =
    (level: keyof Omit<Logger, 'child'>) =>
    (obj: object, msg?: string): void =>
      logger[level]({ ...bindings, ...obj }, msg);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
