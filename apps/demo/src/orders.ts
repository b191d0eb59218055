/**
 * Orders: their shape, the store interface every backend implements, and the
 * in-memory store used on memory, BullMQ and SQS.
 */
import { randomUUID } from 'node:crypto';

/** PENDING → PAID → DELIVERED; PARTIAL when delivery gave up; PAYMENT_FAILED; EXPIRED when never paid. */
export type OrderStatus =
  | 'PENDING'
  | 'PAID'
  | 'DELIVERED'
  | 'PARTIAL'
  | 'PAYMENT_FAILED'
  | 'EXPIRED'
  | 'IMPORTED';

/** How the customer pays: by card now, or by invoice later (the order waits, then expires). */
export type PaymentMethod = 'card' | 'invoice';

/** Which courier delivers a premium order. `flaky` fails twice; `down` always fails. */
export type Courier = 'reliable' | 'flaky' | 'down';

/** What a customer sends to place an order. */
export interface OrderInput {
  customer: string;
  amount: number;
  payment: PaymentMethod;
  /** Card token; `tok_declined` is refused by the payment provider. */
  cardToken?: string;
  premium?: boolean;
  courier?: Courier;
}

/** A job that belongs to an order, in the order it was created. */
export interface OrderJobRef {
  task: string;
  id: string;
}

/** A stored order. */
export interface Order extends OrderInput {
  id: string;
  status: OrderStatus;
  createdAt: string;
  /** Set when delivery exhausted its retries: a human must look at this order. */
  needsAttention: boolean;
  jobs: OrderJobRef[];
}

/** Where orders live. `create` runs `enqueueFirstJob` in the same transaction where the store has one. */
export interface OrderStore {
  /** What the store is, for the report ("memory", "PostgreSQL (transactional enqueue)"). */
  readonly description: string;
  /**
   * Stores a new order and enqueues its first job; with a database, both commit
   * together or not at all. `enqueueFirstJob` receives the transaction (`tx`) or undefined.
   */
  create(order: Order, enqueueFirstJob: (tx: unknown) => Promise<OrderJobRef>): Promise<Order>;
  /** Stores an order that needs no job (imported history). */
  insert(order: Order): Promise<void>;
  get(id: string): Promise<Order | null>;
  /** Sets status (and optionally the attention flag); returns the new order or null. */
  setStatus(id: string, status: OrderStatus, needsAttention?: boolean): Promise<Order | null>;
  /** Appends a job reference to the order. */
  addJob(id: string, job: OrderJobRef): Promise<void>;
  /** Marks PENDING invoice orders placed before `cutoff` as EXPIRED; returns their ids. */
  expireUnpaid(cutoff: Date): Promise<string[]>;
  /** Count and revenue of paid orders (PAID, DELIVERED, PARTIAL, IMPORTED). */
  salesSummary(): Promise<{ orders: number; revenue: number }>;
  close(): Promise<void>;
}

/** A new order, not yet stored. */
export function newOrder(input: OrderInput, status: OrderStatus = 'PENDING', now = new Date()): Order {
  return {
    id: `ord_${randomUUID().slice(0, 8)}`,
    ...input,
    status,
    createdAt: now.toISOString(),
    needsAttention: false,
    jobs: [],
  };
}

/** Statuses that count as sold in the sales report. */
export const SOLD_STATUSES: readonly OrderStatus[] = ['PAID', 'DELIVERED', 'PARTIAL', 'IMPORTED'];

/** Orders in this process's memory. */
export function createMemoryOrderStore(): OrderStore {
  const orders = new Map<string, Order>();
  const copy = (order: Order): Order => structuredClone(order);
  return {
    description: 'in memory',
    async create(order, enqueueFirstJob) {
      orders.set(order.id, copy(order));
      try {
        const job = await enqueueFirstJob(undefined);
        orders.get(order.id)!.jobs.push(job);
      } catch (error) {
        // No transaction to roll back: undo the insert by hand so no order exists without its job.
        orders.delete(order.id);
        throw error;
      }
      return copy(orders.get(order.id)!);
    },
    async insert(order) {
      orders.set(order.id, copy(order));
    },
    async get(id) {
      const order = orders.get(id);
      return order ? copy(order) : null;
    },
    async setStatus(id, status, needsAttention) {
      const order = orders.get(id);
      if (!order) return null;
      order.status = status;
      if (needsAttention !== undefined) order.needsAttention = needsAttention;
      return copy(order);
    },
    async addJob(id, job) {
      orders.get(id)?.jobs.push(job);
    },
    async expireUnpaid(cutoff) {
      const expired: string[] = [];
      for (const order of orders.values()) {
        if (order.status === 'PENDING' && order.payment === 'invoice' && new Date(order.createdAt) < cutoff) {
          order.status = 'EXPIRED';
          expired.push(order.id);
        }
      }
      return expired;
    },
    async salesSummary() {
      const sold = [...orders.values()].filter((order) => SOLD_STATUSES.includes(order.status));
      return { orders: sold.length, revenue: sold.reduce((sum, order) => sum + order.amount, 0) };
    },
    async close() {},
  };
}

/** Called when an order is created or changes status. */
export type OrderStatusListener = (orderId: string, status: OrderStatus, needsAttention: boolean) => void;

/** Wraps a store so every status it writes is also reported to `listener` (the demo prints them). */
export function withStatusEvents(store: OrderStore, listener: OrderStatusListener): OrderStore {
  return {
    ...store,
    description: store.description,
    async create(order, enqueueFirstJob) {
      // Reported when the row is written, before its first job exists: a fast worker may
      // move the order on before `create` even returns.
      return store.create(order, (tx) => {
        listener(order.id, order.status, order.needsAttention);
        return enqueueFirstJob(tx);
      });
    },
    async insert(order) {
      await store.insert(order);
      listener(order.id, order.status, order.needsAttention);
    },
    async setStatus(id, status, needsAttention) {
      const updated = await store.setStatus(id, status, needsAttention);
      if (updated) listener(id, updated.status, updated.needsAttention);
      return updated;
    },
    async expireUnpaid(cutoff) {
      const expired = await store.expireUnpaid(cutoff);
      for (const id of expired) listener(id, 'EXPIRED', false);
      return expired;
    },
  };
}
