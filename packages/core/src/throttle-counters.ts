/**
 * In-process throttle counters: rate windows and per-key slots in maps, for a backend that
 * serves one process (the memory adapter, the SQS adapter's memory store). Each call runs to its
 * end without yielding, so each is atomic without locks. The same rules as the Redis scripts.
 */
import type { ThrottleAnswer, ThrottleRequest } from './adapter.js';

/** Takes starts and slots, gives slots back, blocks rate windows. */
export interface InProcessThrottleCounters {
  /** Takes one start from a rate window or one slot, or says when to ask again. */
  take(request: ThrottleRequest): Promise<ThrottleAnswer>;
  /** Gives a slot back. */
  release(key: string, holder: string): Promise<void>;
  /** Grants nothing from the rate window `key` before `until`. */
  block(key: string, until: number): Promise<void>;
}

interface WindowState {
  /** Grant times, oldest first. */
  grants: number[];
  blockedUntil: number;
  /** The latest time a refused request was told to come back (see `ThrottleRequest`). */
  promised: number;
}

/** Fresh counters, held in this process. */
export function inProcessThrottleCounters(): InProcessThrottleCounters {
  const windows = new Map<string, WindowState>();
  /** Per key: holder → expiry. */
  const slots = new Map<string, Map<string, number>>();
  const windowOf = (key: string): WindowState => {
    let window = windows.get(key);
    if (window === undefined) {
      window = { grants: [], blockedUntil: 0, promised: 0 };
      windows.set(key, window);
    }
    return window;
  };

  const takeStart = ({ key, max, windowMs, now }: ThrottleRequest & { kind: 'rate' }): ThrottleAnswer => {
    const window = windowOf(key);
    const { grants } = window;
    let expired = 0;
    while (expired < grants.length && grants[expired]! <= now - windowMs) expired++;
    if (expired > 0) grants.splice(0, expired);
    if (window.blockedUntil > now) return { granted: false, retryAt: window.blockedUntil };
    if (grants.length > 0 && grants[grants.length - 1]! > now) return { granted: false, retryAt: now };
    if (grants.length >= max) {
      const step = Math.max(1, Math.floor(windowMs / max));
      const frees = grants[grants.length - max]! + windowMs;
      // A start frees within one share of the window: ask again right then (whose turn it is, or jitter).
      if (frees <= now + step) return { granted: false, retryAt: frees };
      // Else join the line: each refusal comes back one share of the window after the previous one.
      const retryAt = Math.max(frees, window.promised + step);
      window.promised = retryAt;
      return { granted: false, retryAt };
    }
    grants.push(now);
    return { granted: true };
  };

  const takeSlot = ({ key, max, holder, ttlMs, now }: ThrottleRequest & { kind: 'slot' }): ThrottleAnswer => {
    let holders = slots.get(key);
    if (holders === undefined) {
      holders = new Map();
      slots.set(key, holders);
    }
    let earliest = Number.POSITIVE_INFINITY;
    for (const [name, expiresAt] of holders) {
      if (expiresAt <= now) holders.delete(name);
      else if (expiresAt < earliest) earliest = expiresAt;
    }
    if (holders.has(holder) || holders.size < max) {
      holders.set(holder, now + ttlMs);
      return { granted: true };
    }
    return { granted: false, retryAt: earliest };
  };

  return {
    async take(request) {
      return request.kind === 'rate' ? takeStart(request) : takeSlot(request);
    },
    async release(key, holder) {
      const holders = slots.get(key);
      if (holders === undefined) return;
      holders.delete(holder);
      if (holders.size === 0) slots.delete(key);
    },
    async block(key, until) {
      const window = windowOf(key);
      window.blockedUntil = Math.max(window.blockedUntil, until);
    },
  };
}
