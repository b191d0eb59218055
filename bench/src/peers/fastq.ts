/** fastq: the fastest FIFO work queue (no priorities; it runs jobs in arrival order). */
import fastq from 'fastq';
import {
  type BenchPayload,
  CompletionCounter,
  type QueueFactory,
  type QueueUnderTest,
} from './queue-under-test.ts';

/** fastq with its callback API (its fastest), paused until `start()`. */
export const fastQueue: QueueFactory = async ({ concurrency, handler }) => {
  const counter = new CompletionCounter();
  const onDone = (error: Error | null): void => {
    if (error) throw error;
    counter.increment();
  };
  const queue = fastq<unknown, BenchPayload, void>((payload, callback) => {
    Promise.resolve(handler(payload)).then(() => callback(null), callback);
  }, concurrency);
  queue.pause();

  const underTest: QueueUnderTest = {
    add(payload) {
      queue.push(payload, onDone);
    },
    addBatch(payloads) {
      for (const payload of payloads) queue.push(payload, onDone);
    },
    start() {
      queue.resume();
    },
    completedAtLeast: (count) => counter.atLeast(count),
    async close() {
      queue.kill();
    },
  };
  return underTest;
};
