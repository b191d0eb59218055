import type { EventSource, SwitchyardEvents } from './api.js';

type Listener<E extends keyof SwitchyardEvents> = (payload: SwitchyardEvents[E]) => void;

/**
 * A small typed emitter. A throwing listener never breaks the job runtime:
 * its error is handed to `onListenerError` (the yard logs it).
 */
export class EventHub implements EventSource {
  private readonly listeners = new Map<keyof SwitchyardEvents, Set<Listener<any>>>();
  private readonly forwardTo: EventHub[] = [];

  constructor(private readonly onListenerError: (error: unknown, event: string) => void) {}

  on<E extends keyof SwitchyardEvents>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof SwitchyardEvents>(event: E, listener: Listener<E>): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Also deliver every event emitted here to `hub` (a worker forwards to its yard). */
  forward(hub: EventHub): void {
    this.forwardTo.push(hub);
  }

  /** True when anybody (here or downstream) listens to `event`, so callers can skip building payloads. */
  has(event: keyof SwitchyardEvents): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0 || this.forwardTo.some((hub) => hub.has(event));
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
    for (const hub of this.forwardTo) hub.emit(event, payload);
  }
}
