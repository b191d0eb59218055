/** Jobs of every kind for the views to show: completed, failed with a stack, waiting, with metadata. */
import type { DashboardServer } from './dashboard-server.ts';

/** Enqueues a small realistic mix and waits until the worker has settled it. */
export async function seedJobs(server: DashboardServer): Promise<{ failedId: string; parkedIds: string[] }> {
  const { yard, controls } = server;
  for (let index = 0; index < 6; index += 1) {
    await yard.enqueue(
      'send-email',
      { to: `user${index}@example.com`, subject: 'Welcome' },
      { metadata: { tenant: index % 2 ? 'acme' : 'globex' } },
    );
  }
  controls.chargeFails = true;
  const failed = await yard.enqueue(
    'charge-card',
    { customer: 'ada@example.com', amount: 42, currency: 'EUR' },
    { metadata: { tenant: 'acme', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } },
  );
  await yard.jobs.waitFor(failed.id, { timeout: 15_000 }).catch(() => undefined);
  controls.chargeFails = false;
  await yard.enqueue(
    'charge-card',
    { customer: 'bob@example.com', amount: 10, currency: 'USD' },
    { metadata: { tenant: 'globex' } },
  );
  const parkedIds: string[] = [];
  for (let index = 0; index < 3; index += 1)
    parkedIds.push((await yard.enqueue('archive-order', { orderId: index })).id);
  await yard.enqueue('send-email', { to: 'later@example.com', subject: 'Reminder' }, { delay: '1h' });
  return { failedId: failed.id, parkedIds };
}
