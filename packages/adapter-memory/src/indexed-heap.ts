/** Anything stored in an `IndexedHeap`: the heap keeps `heapIndex` current so removal is O(log n). */
export interface HeapItem {
  /** Position in the heap that holds this item, or -1 when it is in none. */
  heapIndex: number;
}

/**
 * A binary min-heap that tracks each item's position, so an item can be removed
 * or re-sorted after its key changed without a linear search. An item may sit in
 * at most one heap at a time (it has one `heapIndex`).
 */
export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  /** `before(a, b)` is true when `a` must come out before `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** Number of items. */
  get size(): number {
    return this.items.length;
  }

  /** The first item, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an item. */
  push(item: T): void {
    const index = this.items.length;
    this.items.push(item);
    item.heapIndex = index;
    this.siftUp(index);
  }

  /** Removes and returns the first item. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (last !== top) {
      items[0] = last;
      last.heapIndex = 0;
      this.siftDown(0);
    }
    top.heapIndex = -1;
    return top;
  }

  /** True when `item` is in this heap. */
  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Removes `item` if it is in this heap; true when it was. */
  remove(item: T): boolean {
    if (!this.has(item)) return false;
    const items = this.items;
    const index = item.heapIndex;
    const last = items.pop()!;
    if (last !== item) {
      items[index] = last;
      last.heapIndex = index;
      this.update(last);
    }
    item.heapIndex = -1;
    return true;
  }

  /** Restores heap order after `item`'s key changed. */
  update(item: T): void {
    if (!this.has(item)) return;
    this.siftDown(this.siftUp(item.heapIndex));
  }

  /** Removes every item. */
  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items.length = 0;
  }

  private siftUp(start: number): number {
    const items = this.items;
    const item = items[start]!;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (!this.before(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
    return index;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const length = items.length;
    const item = items[start]!;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.before(items[right]!, items[left]!)) child = right;
      const childItem = items[child]!;
      if (!this.before(childItem, item)) break;
      items[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
