/**
 * The floor to compare against: a plain binary min-heap keyed by (priority,
 * enqueue order) and a pump that runs at most `concurrency` handlers at once.
 * No ids, no states, no leases: what a hand-written in-process queue costs.
 */
import {
  type BenchPayload,
  CompletionCounter,
  type QueueFactory,
  type QueueUnderTest,
} from './queue-under-test.ts';

interface HeapEntry {
  priority: number;
  seq: number;
  payload: BenchPayload;
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}

/** A binary min-heap ordered by priority, then insertion order. */
export class BinaryHeap {
  private readonly items: HeapEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Inserts in O(log n). */
  push(payload: BenchPayload, priority: number): void {
    const items = this.items;
    const entry = { priority, seq: this.seq++, payload };
    let index = items.length;
    items.push(entry);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, items[parent]!)) break;
      items[index] = items[parent]!;
      index = parent;
    }
    items[index] = entry;
  }

  /** Removes and returns the first payload in O(log n), or undefined when empty. */
  pop(): BenchPayload | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (items.length > 0) {
      let index = 0;
      const length = items.length;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= length) break;
        const right = left + 1;
        const child = right < length && before(items[right]!, items[left]!) ? right : left;
        if (!before(items[child]!, last)) break;
        items[index] = items[child]!;
        index = child;
      }
      items[index] = last;
    }
    return top.payload;
  }

  /** Drops every entry. */
  clear(): void {
    this.items.length = 0;
  }
}

/** The heap plus a pump: the bare-loop peer. */
export const heapQueue: QueueFactory = async ({ concurrency, handler }) => {
  const heap = new BinaryHeap();
  const counter = new CompletionCounter();
  let running = 0;
  let started = false;

  const finish = (): void => {
    running--;
    counter.increment();
    pump();
  };
  const pump = (): void => {
    while (started && running < concurrency && heap.size > 0) {
      const payload = heap.pop()!;
      running++;
      Promise.resolve(handler(payload)).then(finish);
    }
  };

  const queue: QueueUnderTest = {
    add(payload, priority) {
      heap.push(payload, priority);
      pump();
    },
    addBatch(payloads, priority) {
      for (const payload of payloads) heap.push(payload, priority);
      pump();
    },
    start() {
      started = true;
      pump();
    },
    completedAtLeast: (count) => counter.atLeast(count),
    async close() {
      started = false;
      heap.clear();
    },
  };
  return queue;
};
