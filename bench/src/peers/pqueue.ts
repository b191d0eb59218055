/** p-queue with priorities: the popular in-process promise queue. */
import PQueue from 'p-queue';
import { CompletionCounter, type QueueFactory, type QueueUnderTest } from './queue-under-test.ts';

/** p-queue runs the highest number first; Switchyard's 0 (first) maps to 9. */
function toPQueuePriority(priority: number): number {
  return 9 - priority;
}

/** p-queue, built paused (`autoStart: false`), one task function per job. */
export const pQueue: QueueFactory = async ({ concurrency, handler }) => {
  const queue = new PQueue({ concurrency, autoStart: false });
  const counter = new CompletionCounter();
  const onSettled = (): void => counter.increment();
  let closing = false;
  const onRejected = (error: unknown): void => {
    // `clear()` in `close()` rejects the dropped jobs with AbortError on purpose; anything else is a bug.
    if (closing && error instanceof Error && error.name === 'AbortError') return;
    throw error;
  };

  const underTest: QueueUnderTest = {
    add(payload, priority) {
      queue
        .add(async () => handler(payload), { priority: toPQueuePriority(priority) })
        .then(onSettled, onRejected);
    },
    addBatch(payloads, priority) {
      const options = { priority: toPQueuePriority(priority) };
      for (const payload of payloads)
        queue.add(async () => handler(payload), options).then(onSettled, onRejected);
    },
    start() {
      queue.start();
    },
    completedAtLeast: (count) => counter.atLeast(count),
    async close() {
      closing = true;
      queue.pause();
      queue.clear();
    },
  };
  return underTest;
};
