/** Small hooks the views share. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from './context.ts';
import type { ClusterEvent } from './types.ts';

/** Loads data with `load`, re-loading every `intervalMs` (when given) and on `reload()`. */
export function useLoader<T>(load: () => Promise<T>, deps: unknown[], intervalMs?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const value = await load();
      if (mine !== generation.current) return;
      setData(value);
      setError(undefined);
    } catch (failure) {
      if (mine === generation.current) setError(failure as Error);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    setLoading(true);
    void reload();
    if (intervalMs === undefined) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [reload, intervalMs]);
  return { data, error, loading, reload, setData };
}

/** Calls `listener` for every live event while mounted. */
export function useEvents(listener: (event: ClusterEvent) => void): void {
  const { hub } = useApp();
  const current = useRef(listener);
  current.current = listener;
  useEffect(() => hub.subscribe((event) => current.current(event)), [hub]);
}

/** Runs `callback` at most once per `ms` while events keep calling the returned function. */
export function useThrottled(callback: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const current = useRef(callback);
  current.current = callback;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      current.current();
    }, ms);
  }, [ms]);
}

/** The current time, refreshed every `ms` (for "5 s ago" labels). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
