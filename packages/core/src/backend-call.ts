/**
 * One outage behaviour for every adapter: a backend call that gets no answer within
 * `backendTimeout`, or fails because the connection is down, becomes a
 * `BackendUnavailableError`; any other non-Switchyard error becomes an `AdapterError`.
 */
import { AdapterError, BackendUnavailableError, SwitchyardError } from './errors.js';

/** Error codes Node and the drivers use when the backend cannot be reached. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTCONN',
  // pg: the server terminated the connection (admin shutdown, pg_terminate_backend).
  '57P01',
  '57P02',
  '57P03',
]);

/** Messages of drivers that throw plain errors when disconnected (ioredis, pg). */
const CONNECTION_MESSAGES = [
  /connection is closed/i,
  /connection terminated/i,
  /stream isn't writeable/i,
  /client has encountered a connection error/i,
  /max retries per request/i,
  /socket hang up/i,
  /connect ECONNREFUSED/i,
];

/** True when `error` (or a cause up to five levels down) says the backend is unreachable. */
export function isConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Object; depth++) {
    const { code, message, errors } = current as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message)))
      return true;
    // AggregateError (Node's happy-eyeballs connect) carries one error per address tried.
    if (Array.isArray(errors) && errors.some((inner) => isConnectionError(inner))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs an adapter call with a deadline. Switchyard errors pass through; a timeout or a
 * connection failure becomes `BackendUnavailableError`; anything else `AdapterError`.
 */
export async function callBackend<T>(
  adapter: string,
  what: string,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BackendUnavailableError(adapter, `${what} got no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (error) {
    if (SwitchyardError.is(error)) {
      // An adapter that wrapped a connection failure itself still reports it as one outage kind.
      if (SwitchyardError.hasCode(error, 'ADAPTER_ERROR') && isConnectionError(error.cause)) {
        throw new BackendUnavailableError(adapter, `${what} failed: the backend is unreachable`, {
          cause: error,
        });
      }
      throw error;
    }
    if (isConnectionError(error)) {
      throw new BackendUnavailableError(
        adapter,
        `${what} failed: the backend is unreachable (${(error as Error)?.message ?? error})`,
        { cause: error },
      );
    }
    throw new AdapterError(adapter, `${what} failed: ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
