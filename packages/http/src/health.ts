/**
 * `GET /health` for load balancers: is the backend reachable? One check at a time, its
 * answer reused for a second, so a flood of probes costs the backend one call per second.
 */
import type { Switchyard } from '@switchyard/core';

/** How long one health answer is reused, ms. */
export const HEALTH_CACHE_MS = 1000;
/** How long a backend call may take before the check says unavailable, ms. */
export const HEALTH_TIMEOUT_MS = 2000;

/** A health check bound to one yard; returns true when the backend answered in time. */
export function healthCheck(yard: Switchyard, onFailure: (error: unknown) => void): () => Promise<boolean> {
  let cached: { at: number; ok: Promise<boolean> } | undefined;
  const probe = async (): Promise<boolean> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        yard.queues.list(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`backend did not answer within ${HEALTH_TIMEOUT_MS} ms`)),
            HEALTH_TIMEOUT_MS,
          );
        }),
      ]);
      return true;
    } catch (error) {
      onFailure(error);
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at >= HEALTH_CACHE_MS) cached = { at: now, ok: probe() };
    return cached.ok;
  };
}
