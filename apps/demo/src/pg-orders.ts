/**
 * Orders in PostgreSQL (the pg-boss backend): a new order's row and its first
 * job commit in one transaction, so there is never an order without its payment
 * job, nor a payment job for an order that was rolled back.
 */
import type pg from 'pg';
import type { Order, OrderJobRef, OrderStatus, OrderStore } from './orders.ts';
import { SOLD_STATUSES } from './orders.ts';

interface OrderRow {
  id: string;
  status: OrderStatus;
  needs_attention: boolean;
  created_at: Date;
  input: Omit<Order, 'id' | 'status' | 'createdAt' | 'needsAttention' | 'jobs'>;
  jobs: OrderJobRef[];
}

/** Creates `<schema>.orders` if missing and returns a store on it. `schema` must be a plain SQL identifier. */
export async function createPgOrderStore(pool: pg.Pool, schema: string): Promise<OrderStore> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid orders schema name "${schema}"`);
  const table = `${schema}.orders`;
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
    id text PRIMARY KEY,
    status text NOT NULL,
    needs_attention boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    input jsonb NOT NULL,
    jobs jsonb NOT NULL DEFAULT '[]'::jsonb
  )`);

  const toOrder = (row: OrderRow): Order => ({
    ...row.input,
    id: row.id,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    needsAttention: row.needs_attention,
    jobs: row.jobs,
  });
  const insertSql = `INSERT INTO ${table} (id, status, needs_attention, created_at, input, jobs) VALUES ($1, $2, $3, $4, $5, $6)`;
  const insertValues = (order: Order) => {
    const { id, status, createdAt, needsAttention, jobs, ...input } = order;
    return [id, status, needsAttention, createdAt, JSON.stringify(input), JSON.stringify(jobs)];
  };

  return {
    description: 'PostgreSQL (order + payment job in one transaction)',
    async create(order, enqueueFirstJob) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(insertSql, insertValues(order));
        const job = await enqueueFirstJob(client);
        await client.query(`UPDATE ${table} SET jobs = jobs || $2::jsonb WHERE id = $1`, [
          order.id,
          JSON.stringify([job]),
        ]);
        await client.query('COMMIT');
        return { ...order, jobs: [...order.jobs, job] };
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
    async insert(order) {
      await pool.query(insertSql, insertValues(order));
    },
    async get(id) {
      const { rows } = await pool.query<OrderRow>(`SELECT * FROM ${table} WHERE id = $1`, [id]);
      return rows[0] ? toOrder(rows[0]) : null;
    },
    async setStatus(id, status, needsAttention) {
      const { rows } = await pool.query<OrderRow>(
        `UPDATE ${table} SET status = $2, needs_attention = coalesce($3, needs_attention) WHERE id = $1 RETURNING *`,
        [id, status, needsAttention ?? null],
      );
      return rows[0] ? toOrder(rows[0]) : null;
    },
    async addJob(id, job) {
      // jsonb concatenation in one statement: concurrent handlers never lose each other's entries.
      await pool.query(`UPDATE ${table} SET jobs = jobs || $2::jsonb WHERE id = $1`, [
        id,
        JSON.stringify([job]),
      ]);
    },
    async expireUnpaid(cutoff) {
      const { rows } = await pool.query<{ id: string }>(
        `UPDATE ${table} SET status = 'EXPIRED'
         WHERE status = 'PENDING' AND input->>'payment' = 'invoice' AND created_at < $1 RETURNING id`,
        [cutoff],
      );
      return rows.map((row) => row.id);
    },
    async salesSummary() {
      const { rows } = await pool.query<{ orders: string; revenue: string | null }>(
        `SELECT count(*) AS orders, sum((input->>'amount')::numeric) AS revenue FROM ${table} WHERE status = ANY($1)`,
        [SOLD_STATUSES],
      );
      return { orders: Number(rows[0]?.orders ?? 0), revenue: Number(rows[0]?.revenue ?? 0) };
    },
    async close() {},
  };
}
