/** Placing an order: store it and enqueue its first job, atomically where the store has transactions. */
import type { Switchyard } from '@switchyard/core';
import type { ShopTimings } from './config.ts';
import { newOrder, type Order, type OrderInput, type OrderStore } from './orders.ts';
import type { ShopTasks } from './tasks.ts';

/** What placing an order needs. */
export interface PlaceOrderDeps {
  yard: Switchyard;
  orders: OrderStore;
  tasks: ShopTasks;
  timings: ShopTimings;
}

/**
 * Card orders get a `charge-payment` job; invoice orders wait for a bank transfer and get a
 * payment reminder after `timings.reminderDelay` (the expiry sweep cancels them if unpaid).
 */
export function placeOrder(input: OrderInput, deps: PlaceOrderDeps): Promise<Order> {
  const { yard, orders, tasks, timings } = deps;
  const order = newOrder(input);
  return orders.create(order, async (tx) => {
    // `tx` is set only by a store with transactions (PostgreSQL on pg-boss).
    const inTransaction = tx === undefined ? {} : { tx };
    if (input.payment === 'card') {
      const { id } = await yard.enqueue(tasks.chargePayment, { orderId: order.id }, inTransaction);
      return { task: tasks.chargePayment.name, id };
    }
    const { id } = await yard.enqueue(
      tasks.sendEmail,
      { orderId: order.id, template: 'payment-reminder' },
      { ...inTransaction, delay: timings.reminderDelay },
    );
    return { task: tasks.sendEmail.name, id };
  });
}
