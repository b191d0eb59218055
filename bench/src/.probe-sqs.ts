import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import { type Lease, newJobId, silentLogger, systemClock } from '@switchyard/core';
import { startFauxqs } from 'fauxqs';
const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
for (let round = 0; round < 3; round++) {
  const prefix = `p${randomBytes(3).toString('hex')}`;
  const client = new SQSClient({ endpoint: server.address, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const adapter = sqsAdapter({ client, store: redisStore({ keyPrefix: `{probe:${prefix}}` }), queuePrefix: prefix, waitTimeSeconds: 1 });
  await adapter.start({ logger: { debug() {}, info() {}, warn: (o, m) => console.log('WARN', m, o), error: (o, m) => console.log('ERR', m, o) }, clock: systemClock, retention: {} });
  const now = new Date();
  const N = 3000;
  for (let d = 0; d < N; d += 500) await adapter.enqueue(Array.from({ length: 500 }, () => ({ id: newJobId(), task: 'noop', queue: 'bulk', payload: {}, priority: 5, createdAt: now, runAt: now, maxAttempts: 3, metadata: {} })));
  let done = 0;
  const t0 = performance.now();
  const marks: number[] = [];
  const consumer = adapter.consume(['bulk'], { concurrency: 20, leaseDurationMs: 30000 }, async (lease: Lease) => { await lease.complete(undefined); done++; if (done % 500 === 0) marks.push(Math.round(performance.now() - t0)); });
  while (done < N) await new Promise((r) => setTimeout(r, 5));
  console.log('round', round, Math.round(N / ((performance.now() - t0) / 1000)), 'jobs/s', marks.join(','), JSON.stringify(adapter.apiCalls));
  await consumer.stop();
  await adapter.close();
}
await server.stop();
