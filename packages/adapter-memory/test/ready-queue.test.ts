import { describe, expect, it } from 'vitest';
import { JobRow } from '../src/job-row.js';
import { ReadyQueue, runsBefore } from '../src/ready-queue.js';

/** A small deterministic PRNG so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function row(seq: number, priority: number, runAt: number): JobRow {
  return new JobRow(
    `j${seq}`,
    't',
    'q',
    '{}',
    priority,
    0,
    runAt,
    1,
    undefined,
    undefined,
    undefined,
    {},
    seq,
    'pending',
  );
}

describe('ReadyQueue (lanes + heap)', () => {
  it.each([1, 2, 3, 4, 5])(
    'agrees with a sorted model under random adds, removals, re-adds and takes (seed %i)',
    (seed) => {
      const next = random(seed);
      const queue = new ReadyQueue();
      const live = new Set<JobRow>();
      const removed: JobRow[] = [];
      let seq = 0;
      let clock = 1000;
      for (let step = 0; step < 4000; step++) {
        const choice = next();
        if (choice < 0.45) {
          // Mostly in-order arrivals, sometimes backdated, sometimes a priority outside the lanes.
          clock += Math.floor(next() * 3);
          const priority = next() < 0.05 ? 12 : Math.floor(next() * 10);
          const runAt = next() < 0.2 ? clock - Math.floor(next() * 500) : clock;
          const added = row(seq++, priority, runAt);
          queue.add(added);
          live.add(added);
        } else if (choice < 0.55 && live.size > 0) {
          const victim = [...live][Math.floor(next() * live.size)]!;
          expect(queue.remove(victim)).toBe(true);
          expect(queue.remove(victim)).toBe(false);
          live.delete(victim);
          removed.push(victim);
        } else if (choice < 0.65 && removed.length > 0) {
          // A manual retry: the same row comes back with a new runAt.
          const back = removed.splice(Math.floor(next() * removed.length), 1)[0]!;
          back.runAt = clock;
          queue.add(back);
          live.add(back);
        } else {
          const expected = [...live].sort((a, b) => (runsBefore(a, b) ? -1 : runsBefore(b, a) ? 1 : 0))[0];
          const head = queue.peek();
          expect(head).toBe(expected);
          if (head !== undefined) {
            queue.takePeeked();
            live.delete(head);
          }
        }
      }
      const rest: JobRow[] = [];
      for (let head = queue.peek(); head !== undefined; head = queue.peek()) {
        queue.takePeeked();
        rest.push(head);
      }
      expect(rest).toEqual([...live].sort((a, b) => (runsBefore(a, b) ? -1 : 1)));
    },
  );
});
