/**
 * The memory store's ready and delayed indexes of one queue: what the Redis store keeps in
 * `ready:<queue>` (priority, then runAt, then id) and `delayed:<queue>` (runAt, then id).
 * Sorted arrays with binary search: the memory store is for development and tests.
 */

/** One entry: `rank` orders it (compared element by element), then the id. */
interface Entry {
  rank: number[];
  id: string;
}

function compare(a: Entry, b: Entry): number {
  for (let index = 0; index < a.rank.length; index++) {
    const difference = a.rank[index]! - b.rank[index]!;
    if (difference !== 0) return difference;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A set of ids kept in rank order. */
class RankedSet {
  private readonly entries: Entry[] = [];
  private readonly ranks = new Map<string, number[]>();

  get size(): number {
    return this.entries.length;
  }

  has(id: string): boolean {
    return this.ranks.has(id);
  }

  /** Adds `id` at `rank`, or moves it there. */
  put(id: string, rank: number[]): void {
    this.remove(id);
    const entry = { rank, id };
    this.entries.splice(this.position(entry), 0, entry);
    this.ranks.set(id, rank);
  }

  remove(id: string): void {
    const rank = this.ranks.get(id);
    if (!rank) return;
    this.entries.splice(this.position({ rank, id }), 1);
    this.ranks.delete(id);
  }

  /** The first entry, taken out. */
  shift(): Entry | undefined {
    const entry = this.entries.shift();
    if (entry) this.ranks.delete(entry.id);
    return entry;
  }

  /** The first entry, left in place. */
  peek(): Entry | undefined {
    return this.entries[0];
  }

  /** Index of the first entry not before `entry`. */
  private position(entry: Entry): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.entries[middle]!, entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** One queue's waiting jobs: ready (claimable now, in strict order) and delayed (until their runAt). */
export class QueueIndex {
  private readonly ready = new RankedSet();
  private readonly delayed = new RankedSet();
  /** Priority and runAt of each delayed job, for its place in the ready index once due. */
  private readonly delayedRank = new Map<string, [number, number]>();

  /** A waiting job: pending jobs are ready, scheduled and retrying ones wait for their runAt. */
  placeWaiting(id: string, state: string, priority: number, runAt: number): void {
    if (state === 'pending') {
      this.putReady(id, priority, runAt);
      return;
    }
    this.ready.remove(id);
    this.delayed.put(id, [runAt]);
    this.delayedRank.set(id, [priority, runAt]);
  }

  /** Puts a job in the ready index (a running job whose holder lost its message, waiting for its redelivery). */
  putReady(id: string, priority: number, runAt: number): void {
    this.delayed.remove(id);
    this.delayedRank.delete(id);
    this.ready.put(id, [priority, Math.max(0, runAt)]);
  }

  /** Takes the job out of both indexes. */
  remove(id: string): void {
    this.ready.remove(id);
    this.delayed.remove(id);
    this.delayedRank.delete(id);
  }

  /** True while the job waits in the ready index. */
  isReady(id: string): boolean {
    return this.ready.has(id);
  }

  /** Delayed jobs whose runAt has come become ready (at most 1000 per call, as the Redis store). */
  promote(nowMs: number): void {
    for (let moved = 0; moved < 1_000; moved++) {
      const next = this.delayed.peek();
      if (!next || next.rank[0]! > nowMs) return;
      const [priority, runAt] = this.delayedRank.get(next.id)!;
      this.putReady(next.id, priority, runAt);
    }
  }

  /** The head of the ready index, taken out. */
  shiftReady(): string | undefined {
    return this.ready.shift()?.id;
  }

  get readyCount(): number {
    return this.ready.size;
  }
}
