import { IndexedHeap } from './indexed-heap.js';
import type { JobRow } from './job-row.js';

/** Delivery order among ready jobs: priority ascending, then runAt, then enqueue order. */
export function runsBefore(a: JobRow, b: JobRow): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.runAt !== b.runAt) return a.runAt < b.runAt;
  return a.seq < b.seq;
}

const PRIORITY_LANES = 10;
let nextTicket = 1;

/**
 * A FIFO of rows already in delivery order (each appended row sorts after the
 * previous one). Removal is lazy: an entry is live only while its row still
 * carries the entry's ticket.
 */
class Lane {
  private rows: JobRow[] = [];
  private tickets: number[] = [];
  private head = 0;
  /** Keys of the last appended entry as they were then (a removed row's runAt may change later). */
  private tailRunAt = Number.NEGATIVE_INFINITY;
  private tailSeq = -1;

  /** True when `row` (of this lane's priority) sorts after every entry, so appending keeps order. */
  fitsAtEnd(row: JobRow): boolean {
    return row.runAt > this.tailRunAt || (row.runAt === this.tailRunAt && row.seq > this.tailSeq);
  }

  push(row: JobRow): void {
    const ticket = nextTicket++;
    row.laneTicket = ticket;
    this.rows.push(row);
    this.tickets.push(ticket);
    this.tailRunAt = row.runAt;
    this.tailSeq = row.seq;
  }

  /** The first live row, dropping removed ones on the way. */
  peek(): JobRow | undefined {
    const rows = this.rows;
    while (this.head < rows.length) {
      const row = rows[this.head]!;
      if (row.laneTicket === this.tickets[this.head]) return row;
      this.head++;
    }
    if (rows.length > 0) this.reset();
    return undefined;
  }

  /** Removes the row `peek` returned. */
  shift(): void {
    const row = this.rows[this.head]!;
    row.laneTicket = 0;
    this.head++;
    if (this.head === this.rows.length) this.reset();
    else if (this.head > 1024 && this.head * 2 > this.rows.length) {
      // Drop the consumed prefix once it dominates, keeping memory proportional to what is queued.
      this.rows = this.rows.slice(this.head);
      this.tickets = this.tickets.slice(this.head);
      this.head = 0;
    }
  }

  private reset(): void {
    this.rows = [];
    this.tickets = [];
    this.head = 0;
    this.tailRunAt = Number.NEGATIVE_INFINITY;
    this.tailSeq = -1;
  }
}

/**
 * The ready jobs of one queue. Jobs arriving in order (the common case: new jobs
 * of one priority, runnable now) go to a FIFO lane per priority, so taking one is
 * O(1); anything else (a released job, a backdated runAt) goes to a binary heap.
 * The best job is the best of the lane heads and the heap head.
 */
export class ReadyQueue {
  private readonly lanes: Array<Lane | undefined> = new Array(PRIORITY_LANES).fill(undefined);
  private readonly heap = new IndexedHeap<JobRow>(runsBefore);
  /** Where the row returned by the last `peek` sits: a lane index, or -1 for the heap. */
  private peekedFrom = -1;

  add(row: JobRow): void {
    const priority = row.priority;
    if (Number.isInteger(priority) && priority >= 0 && priority < PRIORITY_LANES) {
      let lane = this.lanes[priority];
      if (lane === undefined) {
        lane = new Lane();
        this.lanes[priority] = lane;
      }
      if (lane.fitsAtEnd(row)) {
        lane.push(row);
        return;
      }
    }
    this.heap.push(row);
  }

  /** Takes `row` out; true when it was here. */
  remove(row: JobRow): boolean {
    if (row.laneTicket !== 0) {
      row.laneTicket = 0;
      return true;
    }
    return this.heap.remove(row);
  }

  /** The next job to deliver, without taking it. */
  peek(): JobRow | undefined {
    const heapHead = this.heap.peek();
    this.peekedFrom = -1;
    // Lane i holds priority i only, so the first non-empty lane has the best lane head.
    for (let index = 0; index < PRIORITY_LANES; index++) {
      const head = this.lanes[index]?.peek();
      if (head === undefined) continue;
      if (heapHead !== undefined && runsBefore(heapHead, head)) return heapHead;
      this.peekedFrom = index;
      return head;
    }
    return heapHead;
  }

  /** Takes the job the last `peek` returned (call right after it). */
  takePeeked(): void {
    if (this.peekedFrom < 0) this.heap.pop();
    else this.lanes[this.peekedFrom]!.shift();
  }
}
