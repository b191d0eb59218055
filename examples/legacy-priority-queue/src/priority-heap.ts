/**
 * A binary min-heap ordered by (priority, sequence): lower priority first,
 * first-in-first-out among equal priorities.
 */

interface HeapEntry<T> {
  priority: number;
  sequence: number;
  value: T;
}

/** The classic array-backed binary heap. */
export class PriorityHeap<T> {
  private readonly entries: HeapEntry<T>[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.entries.length;
  }

  /** Adds a value; O(log n). */
  push(value: T, priority: number): void {
    this.entries.push({ priority, sequence: this.nextSequence++, value });
    this.siftUp(this.entries.length - 1);
  }

  /** Removes and returns the first value, or undefined when empty; O(log n). */
  pop(): T | undefined {
    const top = this.entries[0];
    const last = this.entries.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.entries.length > 0) {
      this.entries[0] = last;
      this.siftDown(0);
    }
    return top.value;
  }

  /** Removes the first value matching `predicate`; O(n). */
  remove(predicate: (value: T) => boolean): boolean {
    const index = this.entries.findIndex((entry) => predicate(entry.value));
    if (index === -1) return false;
    const last = this.entries.pop()!;
    if (index < this.entries.length) {
      this.entries[index] = last;
      this.siftDown(index);
      this.siftUp(index);
    }
    return true;
  }

  private before(a: HeapEntry<T>, b: HeapEntry<T>): boolean {
    return a.priority < b.priority || (a.priority === b.priority && a.sequence < b.sequence);
  }

  private siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(this.entries[child]!, this.entries[parent]!)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(index: number): void {
    let parent = index;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let first = parent;
      if (left < this.entries.length && this.before(this.entries[left]!, this.entries[first]!)) first = left;
      if (right < this.entries.length && this.before(this.entries[right]!, this.entries[first]!))
        first = right;
      if (first === parent) return;
      this.swap(parent, first);
      parent = first;
    }
  }

  private swap(a: number, b: number): void {
    const entry = this.entries[a]!;
    this.entries[a] = this.entries[b]!;
    this.entries[b] = entry;
  }
}
