/**
 * The shop's background work as Switchyard tasks: payment, premium delivery,
 * emails, the expiry sweep, sales reports, the bulk import and newsletters.
 * Task code never mentions a backend.
 */
import {
  defineTask,
  type EnqueueOptions,
  NonRetryableError,
  type Switchyard,
  SwitchyardError,
  type TaskDefinition,
} from '@switchyard/core';
import { z } from 'zod';
import type { ShopTimings } from './config.ts';
import { newOrder, type OrderStore } from './orders.ts';

/** What the tasks need from the shop. `yard` is late-bound: the yard is built from these tasks. */
export interface ShopDeps {
  orders: OrderStore;
  timings: ShopTimings;
  yard(): Switchyard;
}

const orderRef = z.object({ orderId: z.string() });
const emailTemplates = z.enum(['payment-received', 'delivered', 'payment-reminder']);

/** Builds the shop's tasks around its order store. */
export function createShopTasks(deps: ShopDeps) {
  const { orders, timings } = deps;
  let newsletterSequence = 0;

  /** Enqueues a follow-up job of an order and records it on the order; at-least-once safe via uniqueKey. */
  async function enqueueForOrder<I>(
    orderId: string,
    task: TaskDefinition<I, any, any>,
    payload: I,
    options: EnqueueOptions & { uniqueKey: string },
  ): Promise<void> {
    try {
      const { id } = await deps.yard().enqueue(task, payload, options);
      await orders.addJob(orderId, { task: task.name, id });
    } catch (error) {
      // A retried handler re-enqueues its follow-up: the unique key says it exists already.
      if (!SwitchyardError.hasCode(error, 'DUPLICATE_JOB')) throw error;
    }
  }

  const sendEmail = defineTask({
    name: 'send-email',
    queue: 'email',
    schema: z.object({ orderId: z.string(), template: emailTemplates }),
    retry: { attempts: 3, backoff: { type: 'fixed', delay: '200ms' } },
    handler: async ({ orderId, template }) => {
      const order = await orders.get(orderId);
      if (!order) throw new NonRetryableError(`order ${orderId} does not exist`);
      return { to: order.customer, template };
    },
  });

  const deliverPremium = defineTask({
    name: 'deliver-premium',
    queue: 'default',
    schema: orderRef,
    retry: { attempts: 3, backoff: { type: 'exponential', delay: timings.deliveryBackoff, max: '5s' } },
    handler: async ({ orderId }, ctx) => {
      const order = await orders.get(orderId);
      if (!order) throw new NonRetryableError(`order ${orderId} does not exist`);
      if (order.courier === 'down') throw new Error('courier API unreachable');
      // The scripted flaky courier times out twice, then takes the parcel.
      if (order.courier === 'flaky' && ctx.attempt < 3)
        throw new Error(`courier timed out (attempt ${ctx.attempt})`);
      await orders.setStatus(orderId, 'DELIVERED');
      await enqueueForOrder(
        orderId,
        sendEmail,
        { orderId, template: 'delivered' },
        { uniqueKey: `${orderId}:delivered` },
      );
      return { courier: order.courier ?? 'reliable', attempt: ctx.attempt };
    },
    onFailed: async ({ orderId }) => {
      // Paid but not delivered: a human must sort it out.
      await orders.setStatus(orderId, 'PARTIAL', true);
    },
  });

  const chargePayment = defineTask({
    name: 'charge-payment',
    queue: 'finance',
    priority: 2,
    schema: orderRef,
    retry: { attempts: 3, backoff: { type: 'exponential', delay: '200ms' } },
    handler: async ({ orderId }) => {
      const order = await orders.get(orderId);
      if (!order) throw new NonRetryableError(`order ${orderId} does not exist`);
      // A declined card will not pass on a retry: fail now, without spending attempts.
      if (order.cardToken === 'tok_declined') throw new NonRetryableError('card declined by the issuer');
      await orders.setStatus(orderId, 'PAID');
      await enqueueForOrder(
        orderId,
        sendEmail,
        { orderId, template: 'payment-received' },
        { uniqueKey: `${orderId}:payment-received` },
      );
      if (order.premium) {
        await enqueueForOrder(orderId, deliverPremium, { orderId }, { uniqueKey: `${orderId}:deliver` });
      }
      return { charged: order.amount };
    },
    onFailed: async ({ orderId }) => {
      await orders.setStatus(orderId, 'PAYMENT_FAILED');
    },
  });

  const expireUnpaidOrders = defineTask({
    name: 'expire-unpaid-orders',
    queue: 'default',
    schema: z.object({}),
    retry: { attempts: 1 },
    handler: async (_payload, ctx) => {
      const expired = await orders.expireUnpaid(new Date(Date.now() - timings.unpaidTtlMs));
      for (const orderId of expired)
        await orders.addJob(orderId, { task: 'expire-unpaid-orders', id: ctx.job.id });
      return { expired: expired.length };
    },
  });

  const salesReport = defineTask({
    name: 'sales-report',
    queue: 'reports',
    schema: z.object({ period: z.enum(['hourly', 'daily']) }),
    handler: async ({ period }) => ({ period, ...(await orders.salesSummary()) }),
  });

  const importOrder = defineTask({
    name: 'import-order',
    queue: 'default',
    priority: 7,
    schema: z.object({ customer: z.string(), amount: z.number().positive(), legacyRef: z.string() }),
    handler: async ({ customer, amount, legacyRef }) => {
      const order = newOrder({ customer, amount, payment: 'card' }, 'IMPORTED');
      await orders.insert(order);
      return { legacyRef, amount };
    },
  });

  const sendNewsletter = defineTask({
    name: 'send-newsletter',
    queue: 'newsletter',
    schema: z.object({ to: z.string() }),
    // The sequence number shows the order in which the queue handed the jobs out.
    handler: async ({ to }) => ({ to, sequence: ++newsletterSequence }),
  });

  const all: TaskDefinition[] = [
    chargePayment,
    deliverPremium,
    sendEmail,
    expireUnpaidOrders,
    salesReport,
    importOrder,
    sendNewsletter,
  ];
  return {
    chargePayment,
    deliverPremium,
    sendEmail,
    expireUnpaidOrders,
    salesReport,
    importOrder,
    sendNewsletter,
    all,
  };
}

/** The shop's tasks, as `createShopTasks` returns them. */
export type ShopTasks = ReturnType<typeof createShopTasks>;

/** The cron schedules the shop registers at boot. */
export function shopSchedules(tasks: ShopTasks, timings: ShopTimings) {
  return [
    {
      key: 'expire-unpaid-orders',
      task: tasks.expireUnpaidOrders,
      cron: timings.expiryCron,
      tz: 'UTC',
      payload: {},
    },
    {
      key: 'hourly-sales-report',
      task: tasks.salesReport,
      cron: '0 * * * *',
      tz: 'UTC',
      payload: { period: 'hourly' },
    },
    {
      key: 'daily-sales-report',
      task: tasks.salesReport,
      cron: '0 6 * * *',
      tz: 'Europe/Paris',
      payload: { period: 'daily' },
    },
  ] as const;
}
