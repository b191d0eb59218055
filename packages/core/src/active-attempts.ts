/**
 * The attempts a worker is running. Each attempt carries its index in the list,
 * so adding and removing cost an array write, not a hash lookup (both happen
 * for every job).
 */
import type { ActiveAttempt } from './attempt.js';

export class ActiveAttempts {
  private readonly items: ActiveAttempt[] = [];

  get size(): number {
    return this.items.length;
  }

  add(attempt: ActiveAttempt): void {
    if (attempt.activeIndex >= 0) return;
    attempt.activeIndex = this.items.length;
    this.items.push(attempt);
  }

  delete(attempt: ActiveAttempt): void {
    const items = this.items;
    const index = attempt.activeIndex;
    if (index < 0 || items[index] !== attempt) return;
    const last = items.pop()!;
    if (last !== attempt) {
      items[index] = last;
      last.activeIndex = index;
    }
    attempt.activeIndex = -1;
  }

  /** A copy, for loops whose body may remove attempts. */
  snapshot(): ActiveAttempt[] {
    return this.items.slice();
  }
}
