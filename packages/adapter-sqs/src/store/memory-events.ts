/**
 * The job-event bus of the in-memory store: in-process only (like the store itself).
 * Positions are sequence numbers; the last `capacity` messages are kept in a ring so a
 * subscriber can resume from a recent position. With no subscriber `hasSubscribers()` is
 * false and core does not build events at all.
 */
import type { EventBus, EventBusHandler, EventBusSubscription } from '@switchyard/core';

/** Largest event message (core splits larger batches). */
export const MEMORY_EVENT_MESSAGE_BYTES = 64 * 1024;

/** An in-process bus with a ring buffer of recent messages. */
export class MemoryEventBus implements EventBus {
  readonly maxMessageBytes = MEMORY_EVENT_MESSAGE_BYTES;
  private readonly ring: string[] = [];
  /** Position of `ring[0]`. */
  private first = 1;
  private readonly handlers = new Set<EventBusHandler>();

  constructor(private readonly capacity: number) {}

  hasSubscribers(): boolean {
    return this.handlers.size > 0;
  }

  async publish(message: string): Promise<void> {
    this.ring.push(message);
    if (this.ring.length > this.capacity) {
      this.ring.shift();
      this.first++;
    }
    const position = String(this.first + this.ring.length - 1);
    for (const handler of this.handlers) handler.message(message, position);
  }

  async subscribe(handler: EventBusHandler, options: { from?: string } = {}): Promise<EventBusSubscription> {
    if (options.from !== undefined) this.replay(handler, options.from);
    this.handlers.add(handler);
    return {
      close: async () => {
        this.handlers.delete(handler);
      },
    };
  }

  /** Delivers the kept messages from `from` on, or reports a gap when they are not kept. */
  private replay(handler: EventBusHandler, from: string): void {
    const next = this.first + this.ring.length;
    const position = /^\d{1,15}$/.test(from) ? Number(from) : Number.NaN;
    if (!(position >= this.first && position <= next)) {
      handler.gap(`position ${JSON.stringify(from)} is not in the in-process event buffer`);
      return;
    }
    for (let at = position; at < next; at++) handler.message(this.ring[at - this.first]!, String(at));
  }
}
