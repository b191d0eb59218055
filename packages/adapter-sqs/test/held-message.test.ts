/**
 * A held message's visibility deadline moves only when SQS confirms an extension: one that failed
 * (an outage) extended nothing, and a ticket spent on the strength of it could recover jobs a new
 * holder of the message runs. Only the message client is stood in for: this is the bookkeeping.
 */
import { describe, expect, it } from 'vitest';
import { HeldMessage } from '../src/held-message.js';
import type { AdapterRuntime } from '../src/runtime.js';

/** A held message whose ChangeMessageVisibility answers as `answer` says. */
function held(answer: () => Promise<boolean>): HeldMessage {
  const runtime = { messages: { changeVisibility: answer } } as unknown as AdapterRuntime;
  return new HeldMessage(runtime, {
    url: 'https://sqs.example/q',
    receiptHandle: 'rh',
    jobs: 2,
    leaseDurationMs: 30_000,
    receivedAtMs: 1_000,
    visibilitySeconds: 2,
    messageId: 'm1',
  });
}

describe('held message: visibility deadline', () => {
  it('a failed extension keeps the deadline of the receive; the next ask is paced from the attempt', async () => {
    const message = held(() => Promise.reject(new Error('connect ECONNREFUSED')));
    await expect(message.extend(30)).rejects.toThrow('ECONNREFUSED');
    expect(message.visibleSinceMs).toBe(1_000);
    expect(message.visibilityMs).toBe(2_000);
    expect(message.askedAtMs).toBeGreaterThan(1_000);
    expect(message.lost).toBe(false);
  });

  it('a confirmed extension moves the deadline to when it was asked, at the new length', async () => {
    const message = held(() => Promise.resolve(true));
    const before = Date.now();
    await expect(message.extend(30)).resolves.toBe(true);
    expect(message.visibleSinceMs).toBeGreaterThanOrEqual(before);
    expect(message.visibleSinceMs).toBe(message.askedAtMs);
    expect(message.visibilityMs).toBe(30_000);
  });

  it('a stale receipt marks the message lost and moves nothing', async () => {
    const message = held(() => Promise.resolve(false));
    await expect(message.extend(30)).resolves.toBe(false);
    expect(message.lost).toBe(true);
    expect(message.visibleSinceMs).toBe(1_000);
  });

  it('every receipt has its own name, which the store binds claimed jobs to', () => {
    const answer = () => Promise.resolve(true);
    expect(held(answer).receipt).not.toBe(held(answer).receipt);
  });
});
