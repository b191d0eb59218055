/**
 * One event-stream connection for the whole app; views subscribe to it. A `gap` (events
 * may have been missed) and every reconnect are passed on so views re-read what they show.
 */
import type { ApiClient } from './api.ts';
import type { ClusterEvent } from './types.ts';

/** A listener of the hub. */
export type HubListener = (event: ClusterEvent) => void;

/** The hub's connection state. */
export type HubStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

/** Connects once and fans events out. */
export class EventHub {
  private readonly listeners = new Set<HubListener>();
  private readonly statusListeners = new Set<(status: HubStatus) => void>();
  private controller: AbortController | undefined;
  private wasLive = false;
  status: HubStatus = 'off';

  constructor(private readonly api: ApiClient) {}

  /** Opens the stream (idempotent). */
  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    this.setStatus('connecting');
    void this.api
      .events(
        { signal: controller.signal },
        (event) => {
          for (const listener of this.listeners) listener(event);
        },
        (live) => {
          if (live && this.wasLive) {
            // A reconnect: anything may have happened meanwhile.
            const gap: ClusterEvent = { type: 'gap', reason: 'reconnected', at: new Date().toISOString() };
            for (const listener of this.listeners) listener(gap);
          }
          if (live) this.wasLive = true;
          this.setStatus(live ? 'live' : 'reconnecting');
        },
      )
      .finally(() => {
        if (this.controller === controller) {
          this.controller = undefined;
          this.setStatus('off');
        }
      });
  }

  /** Closes the stream. */
  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.wasLive = false;
    this.setStatus('off');
  }

  /** Adds a listener; returns its removal. */
  subscribe(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follows the connection state; returns the removal. */
  onStatus(listener: (status: HubStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: HubStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
