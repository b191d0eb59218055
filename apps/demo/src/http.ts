/** The shop's HTTP API (Hono): orders, jobs, the bulk import, reports, newsletters and schedules. */
import { type Switchyard, SwitchyardError } from '@switchyard/core';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ShopTimings } from './config.ts';
import type { OrderStore } from './orders.ts';
import { placeOrder } from './place-order.ts';
import type { ShopTasks } from './tasks.ts';

const orderInput = z.object({
  customer: z.string().min(1),
  amount: z.number().positive(),
  payment: z.enum(['card', 'invoice']),
  cardToken: z.string().optional(),
  premium: z.boolean().optional(),
  courier: z.enum(['reliable', 'flaky', 'down']).optional(),
});
const importInput = z.object({
  orders: z
    .array(z.object({ customer: z.string(), amount: z.number().positive(), legacyRef: z.string() }))
    .min(1),
});
const newsletterInput = z.object({
  recipients: z.array(z.object({ to: z.string(), priority: z.number().int().min(0).max(9) })).min(1),
});

/** What the API needs. */
export interface HttpDeps {
  yard: Switchyard;
  orders: OrderStore;
  tasks: ShopTasks;
  timings: ShopTimings;
}

/** Builds the Hono app. */
export function createHttpApp(deps: HttpDeps): Hono {
  const { yard, orders, tasks } = deps;
  const app = new Hono();

  app.post('/orders', async (c) => {
    const order = await placeOrder(orderInput.parse(await c.req.json()), deps);
    return c.json(order, 201);
  });

  app.get('/orders/:id', async (c) => {
    const order = await orders.get(c.req.param('id'));
    return order ? c.json(order) : c.json({ error: 'order not found' }, 404);
  });

  // Bulk import from the old system: one enqueueMany round trip for every row.
  app.post('/orders/import', async (c) => {
    const { orders: rows } = importInput.parse(await c.req.json());
    const jobs = await yard.enqueueMany(tasks.importOrder, rows);
    return c.json({ jobIds: jobs.map((job) => job.id) }, 202);
  });

  app.get('/jobs/:id', async (c) => {
    const job = await yard.jobs.get(c.req.param('id'));
    return job ? c.json(job) : c.json({ error: 'job not found' }, 404);
  });

  // Run a report now, enqueued by task name as an admin tool or CLI would.
  app.post('/reports/:period', async (c) => {
    const { id } = await yard.enqueue('sales-report', { period: c.req.param('period') });
    return c.json({ jobId: id }, 202);
  });

  app.get('/schedules', async (c) => c.json(await yard.schedules.list()));

  // A campaign is released at once: queue it paused so the worker sees every job before choosing.
  app.post('/newsletters', async (c) => {
    const { recipients } = newsletterInput.parse(await c.req.json());
    const queue = tasks.sendNewsletter.queue;
    await yard.queues.pause(queue);
    const jobIds: string[] = [];
    try {
      for (const { to, priority } of recipients) {
        jobIds.push((await yard.enqueue(tasks.sendNewsletter, { to }, { priority })).id);
      }
    } finally {
      await yard.queues.resume(queue);
    }
    return c.json({ jobIds }, 202);
  });

  app.onError((error, c) => {
    if (error instanceof z.ZodError) return c.json({ error: 'invalid request', issues: error.issues }, 400);
    if (SwitchyardError.hasCode(error, 'VALIDATION_FAILED')) return c.json({ error: error.message }, 400);
    console.error(`HTTP ${c.req.method} ${c.req.path} failed:`, error);
    return c.json({ error: error.message }, 500);
  });

  return app;
}
