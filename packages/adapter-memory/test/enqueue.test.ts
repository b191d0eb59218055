import { memoryAdapter } from '@switchyard/adapter-memory';
import { CapabilityError, InvalidOptionsError, PayloadTooLargeError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, holdLeases, startHarness } from './harness.js';

describe('memory adapter: enqueue', () => {
  let h: Harness;
  afterEach(async () => {
    await h.adapter.close();
  });

  it('declares its capabilities', async () => {
    h = await startHarness({ adapter: { maxPayloadBytes: 1000 } });
    expect(h.adapter.name).toBe('memory');
    expect(h.adapter.specVersion).toBe(2);
    expect(h.adapter.capabilities).toEqual({
      durable: false,
      transactionalEnqueue: false,
      ordering: 'strict',
      maxPayloadBytes: 1000,
      maxDelayMs: Number.POSITIVE_INFINITY,
      crossProcessCancel: false,
      nativeScheduler: false,
      crossProcessLeases: false,
      throttle: true,
    });
    expect(memoryAdapter().capabilities.maxPayloadBytes).toBe(256 * 1024);
  });

  it('stores jobs as pending or scheduled with attempt 0 and every field', async () => {
    h = await startHarness();
    const ready = h.job({
      uniqueKey: 'k',
      timeoutMs: 500,
      backoff: { type: 'list', delays: [1, 2] },
      metadata: { traceparent: 'x' },
    });
    const later = h.job({ runAt: new Date(h.clock.now() + 1) });
    expect(await h.adapter.enqueue([ready, later])).toEqual([
      { status: 'created', id: ready.id },
      { status: 'created', id: later.id },
    ]);
    expect(await h.adapter.jobs.get(ready.id)).toEqual({ ...ready, state: 'pending', attempt: 0 });
    expect(await h.adapter.jobs.get(later.id)).toEqual({ ...later, state: 'scheduled', attempt: 0 });
    expect(await h.adapter.jobs.get('missing')).toBeNull();
  });

  it('reports a duplicate id and a held unique key, and frees the key once the job finishes', async () => {
    h = await startHarness();
    const first = h.job({ uniqueKey: 'user-1' });
    await h.adapter.enqueue([first]);
    const sameKey = h.job({ uniqueKey: 'user-1' });
    const otherTask = h.job({ uniqueKey: 'user-1', task: 'task-b' });
    expect(await h.adapter.enqueue([{ ...first }, sameKey, otherTask])).toEqual([
      { status: 'duplicate', id: first.id, existingJobId: first.id },
      { status: 'duplicate', id: sameKey.id, existingJobId: first.id },
      { status: 'created', id: otherTask.id },
    ]);
    expect(await h.adapter.jobs.get(sameKey.id)).toBeNull();

    // Within one batch the first claim wins.
    const a = h.job({ uniqueKey: 'batch' });
    const b = h.job({ uniqueKey: 'batch' });
    expect((await h.adapter.enqueue([a, b]))[1]).toEqual({
      status: 'duplicate',
      id: b.id,
      existingJobId: a.id,
    });

    await h.adapter.jobs.cancel(first.id);
    const afterFinish = h.job({ uniqueKey: 'user-1' });
    expect(await h.adapter.enqueue([afterFinish])).toEqual([{ status: 'created', id: afterFinish.id }]);
  });

  it('copies payloads in and out', async () => {
    h = await startHarness();
    const payload = { items: [{ sku: 'a' }] };
    const job = h.job({ payload });
    await h.adapter.enqueue([job]);
    payload.items[0]!.sku = 'changed by caller';
    const read = await h.adapter.jobs.get(job.id);
    expect(read?.payload).toEqual({ items: [{ sku: 'a' }] });
    (read!.payload as typeof payload).items.push({ sku: 'b' });
    read!.metadata.x = 'y';
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({
      payload: { items: [{ sku: 'a' }] },
      metadata: {},
    });
  });

  it('jobs handed one metadata object keep their own: neither the caller nor a reader changes them', async () => {
    h = await startHarness();
    const metadata = { traceparent: '00-shared' };
    const [a, b] = [h.job({ metadata }), h.job({ metadata })];
    await h.adapter.enqueue([a!, b!]);
    metadata.traceparent = 'changed by caller';
    const readA = await h.adapter.jobs.get(a!.id);
    readA!.metadata.traceparent = 'changed by a reader';
    expect((await h.adapter.jobs.get(a!.id))?.metadata).toEqual({ traceparent: '00-shared' });
    expect((await h.adapter.jobs.get(b!.id))?.metadata).toEqual({ traceparent: '00-shared' });
  });

  it('a job with metadata keeps it once it also gets a result, an error or progress', async () => {
    h = await startHarness();
    const job = h.job({ metadata: { tenant: 'a' } });
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    const lease = held.leases[0]!;
    expect(lease.job.metadata).toEqual({ tenant: 'a' });
    await lease.progress({ step: 1 });
    await lease.complete({ sent: true });
    expect(await h.adapter.jobs.get(job.id)).toMatchObject({
      state: 'completed',
      result: { sent: true },
      progress: { step: 1 },
      metadata: { tenant: 'a' },
    });
  });

  it('hands each delivery its own copy of the payload', async () => {
    h = await startHarness();
    const job = h.job({ payload: { items: [{ sku: 'a' }] } });
    await h.adapter.enqueue([job]);
    const held = holdLeases(h.adapter, ['default']);
    await h.flush();
    const lease = held.leases[0]!;
    (lease.job.payload as { items: unknown[] }).items.push('changed by the handler');
    await lease.release();
    await h.flush();
    expect(held.leases[1]?.job.payload).toEqual({ items: [{ sku: 'a' }] });
    expect((await h.adapter.jobs.get(job.id))?.payload).toEqual({ items: [{ sku: 'a' }] });
    expect(h.adapter.storage.row(job.id)?.payloadJson).toBe('{"items":[{"sku":"a"}]}');
    await held.stop();
  });

  it('finds a job by id after others were removed, and an id enqueued again after its removal', async () => {
    h = await startHarness();
    const jobs = Array.from({ length: 40 }, () => h.job());
    await h.adapter.enqueue(jobs);
    for (const job of jobs.slice(0, 30)) expect(await h.adapter.jobs.remove(job.id)).toBe(true);
    expect(await h.adapter.jobs.get(jobs[0]!.id)).toBeNull();
    expect((await h.adapter.jobs.get(jobs[35]!.id))?.id).toBe(jobs[35]!.id);
    const again = { ...jobs[3]!, payload: 'second life' };
    expect(await h.adapter.enqueue([again])).toEqual([{ status: 'created', id: again.id }]);
    expect((await h.adapter.jobs.get(again.id))?.payload).toBe('second life');
    expect(await h.adapter.enqueue([{ ...again }])).toEqual([
      { status: 'duplicate', id: again.id, existingJobId: again.id },
    ]);
    expect((await h.adapter.jobs.counts()).pending).toBe(11);
  });

  it('refuses an oversized payload and writes nothing of that batch', async () => {
    h = await startHarness({ adapter: { maxPayloadBytes: 64 } });
    const small = h.job({ payload: 'ok' });
    const big = h.job({ payload: 'é'.repeat(40) });
    await expect(h.adapter.enqueue([small, big])).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await h.adapter.jobs.get(small.id)).toBeNull();
    // 31 two-byte characters plus quotes: 64 bytes, exactly at the limit.
    const atLimit = h.job({ payload: 'é'.repeat(31) });
    expect(await h.adapter.enqueue([atLimit])).toEqual([{ status: 'created', id: atLimit.id }]);
  });

  it('refuses a transaction and bad options', async () => {
    h = await startHarness();
    await expect(h.adapter.enqueue([h.job()], { tx: {} })).rejects.toBeInstanceOf(CapabilityError);
    expect(() => memoryAdapter({ maxPayloadBytes: 0 })).toThrow(InvalidOptionsError);
    expect(() => memoryAdapter({ sweepInterval: 'soon' })).toThrow(InvalidOptionsError);
    expect(() =>
      h.adapter.consume(['default'], { concurrency: 0, leaseDurationMs: 1000 }, async () => {}),
    ).toThrow(InvalidOptionsError);
  });
});
