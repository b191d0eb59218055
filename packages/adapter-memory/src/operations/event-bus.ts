/**
 * The memory adapter's event bus: in-process, delivering each message to every
 * subscriber synchronously, with a ring of recent messages so a subscriber can
 * resume from a position (an SSE client reconnecting) as long as it is still held.
 */
import type { EventBus, EventBusHandler, EventBusSubscription } from '@switchyard/core';

/** Messages kept for resumption. */
const RING_SIZE = 1000;

export class InProcessEventBus implements EventBus {
  /** No transport limit in process; large batches are still split to keep one delivery small. */
  readonly maxMessageBytes = 256 * 1024;
  private readonly handlers = new Set<EventBusHandler>();
  private readonly ring: { position: number; message: string }[] = [];
  private nextPosition = 1;

  hasSubscribers(): boolean {
    return this.handlers.size > 0;
  }

  async publish(message: string): Promise<void> {
    const position = this.nextPosition++;
    this.ring.push({ position, message });
    if (this.ring.length > RING_SIZE) this.ring.shift();
    for (const handler of this.handlers) handler.message(message, String(position));
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

  private replay(handler: EventBusHandler, from: string): void {
    const position = Number(from);
    const oldest = this.ring[0]?.position ?? this.nextPosition;
    if (!Number.isInteger(position) || position < oldest || position >= this.nextPosition) {
      handler.gap(`position ${from} is no longer (or not) in the in-process event log`);
      return;
    }
    for (const entry of this.ring) {
      if (entry.position >= position) handler.message(entry.message, String(entry.position));
    }
  }
}
