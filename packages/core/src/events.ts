import type { EventSource, SwitchyardEvents } from './api.js';

type Listener<E extends keyof SwitchyardEvents> = (payload: SwitchyardEvents[E]) => void;

/** A listener of every event that counts only while `enabled()` (cluster publishing, history). */
export interface EventTap {
  enabled(): boolean;
  listener<E extends keyof SwitchyardEvents>(event: E, payload: SwitchyardEvents[E]): void;
}

/**
 * A small typed emitter. A throwing listener never breaks the job runtime:
 * its error is handed to `onListenerError` (the yard logs it).
 */
export class EventHub implements EventSource {
  private readonly listeners = new Map<keyof SwitchyardEvents, Set<Listener<any>>>();
  private readonly forwardTo: EventHub[] = [];
  private readonly taps: EventTap[] = [];
  /** Listeners registered here, over all events: `has` is asked several times per job, mostly with none. */
  private listenerTotal = 0;

  constructor(private readonly onListenerError: (error: unknown, event: string) => void) {}

  on<E extends keyof SwitchyardEvents>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    if (!set.has(listener)) {
      set.add(listener);
      this.listenerTotal++;
    }
    return () => this.off(event, listener);
  }

  off<E extends keyof SwitchyardEvents>(event: E, listener: Listener<E>): void {
    if (this.listeners.get(event)?.delete(listener)) this.listenerTotal--;
  }

  /** Also deliver every event emitted here to `hub` (a worker forwards to its yard). */
  forward(hub: EventHub): void {
    this.forwardTo.push(hub);
  }

  /** Adds a tap; returns a function that removes it. */
  tap(tap: EventTap): () => void {
    this.taps.push(tap);
    return () => {
      const index = this.taps.indexOf(tap);
      if (index >= 0) this.taps.splice(index, 1);
    };
  }

  /** True when anybody (here or downstream) listens to `event`, so callers can skip building payloads. */
  has(event: keyof SwitchyardEvents): boolean {
    return this.listens(event) || this.tapped();
  }

  /**
   * True when a listener (here or downstream), not a tap, waits for `event`. Only such
   * listeners are promised one process's events in order across jobs; taps (cluster
   * publishing, history) need each job's own order only, so they never slow a worker down.
   */
  listens(event: keyof SwitchyardEvents): boolean {
    if (this.listenerTotal > 0 && (this.listeners.get(event)?.size ?? 0) > 0) return true;
    for (const hub of this.forwardTo) if (hub.listens(event)) return true;
    return false;
  }

  private tapped(): boolean {
    for (const tap of this.taps) if (tap.enabled()) return true;
    for (const hub of this.forwardTo) if (hub.tapped()) return true;
    return false;
  }

  emit<E extends keyof SwitchyardEvents>(event: E, payload: SwitchyardEvents[E]): void {
    const set = this.listeners.get(event);
    if (set) {
      for (const listener of set) {
        try {
          listener(payload);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }
    }
    for (const tap of this.taps) {
      if (!tap.enabled()) continue;
      try {
        tap.listener(event, payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
    for (const hub of this.forwardTo) hub.emit(event, payload);
  }
}
