/**
 * The authorization matrix: every route × {no token, bad token, viewer, operator, admin}
 * gets the status the issue assigns, and a request refused for its role leaves the
 * backend exactly as it was (a snapshot read through a second yard, plus the raw state
 * of the targeted job, before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_POLICIES, type ServedApi } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { call, serveForTest, TOKENS } from './support/http.js';
import { backendSnapshot } from './support/snapshot.js';
import { chargeTask } from './support/tasks.js';

type Caller = 'none' | 'bad' | 'viewer' | 'operator' | 'admin';
const CALLERS: Caller[] = ['none', 'bad', 'viewer', 'operator', 'admin'];

interface Target {
  path: string;
  body?: unknown;
  jobId?: string;
}

interface Row {
  key: string;
  /** The weakest role allowed, from the issue's text; null: no authentication. */
  needs: 'viewer' | 'operator' | 'admin' | null;
  success: number;
  prepare(backend: Backend): Promise<Target>;
}

const delayed = async (backend: Backend) =>
  (await backend.reader.enqueue(chargeTask, { orderId: 1 }, { delay: '1h' })).id;
const cancelledJob = async (backend: Backend) => {
  const id = await delayed(backend);
  await backend.reader.jobs.cancel(id);
  return id;
};
const schedule = async (backend: Backend) => {
  const key = `s${Math.random().toString(36).slice(2, 10)}`;
  await backend.reader.schedules.upsert({ key, task: chargeTask, every: '1h', payload: { orderId: 2 } });
  return key;
};

// Written from the issue: viewer reads; operator enqueues, retries, cancels waiting jobs, triggers;
// admin removes, runs bulk and clean, pauses/resumes queues and edits schedules.
const ROWS: Row[] = [
  { key: 'GET /health', needs: null, success: 200, prepare: async () => ({ path: '/health' }) },
  { key: 'GET /openapi.json', needs: null, success: 200, prepare: async () => ({ path: '/openapi.json' }) },
  { key: 'GET /metrics', needs: 'viewer', success: 200, prepare: async () => ({ path: '/metrics' }) },
  { key: 'GET /jobs', needs: 'viewer', success: 200, prepare: async () => ({ path: '/jobs' }) },
  {
    key: 'GET /jobs/{id}',
    needs: 'viewer',
    success: 200,
    prepare: async (b) => {
      const id = await delayed(b);
      return { path: `/jobs/${id}`, jobId: id };
    },
  },
  {
    key: 'POST /jobs',
    needs: 'operator',
    success: 201,
    prepare: async () => ({ path: '/jobs', body: { task: 'http.charge', payload: { orderId: 3 } } }),
  },
  {
    key: 'POST /jobs/{id}/cancel',
    needs: 'operator',
    success: 200,
    prepare: async (b) => {
      const id = await delayed(b);
      return { path: `/jobs/${id}/cancel`, jobId: id };
    },
  },
  {
    key: 'POST /jobs/{id}/retry',
    needs: 'operator',
    success: 200,
    prepare: async (b) => {
      const id = await cancelledJob(b);
      return { path: `/jobs/${id}/retry`, jobId: id };
    },
  },
  {
    key: 'DELETE /jobs/{id}',
    needs: 'admin',
    success: 204,
    prepare: async (b) => {
      const id = await delayed(b);
      return { path: `/jobs/${id}`, jobId: id };
    },
  },
  {
    key: 'POST /jobs/bulk',
    needs: 'admin',
    success: 200,
    prepare: async (b) => {
      const id = await delayed(b);
      return { path: '/jobs/bulk', body: { action: 'cancel', filter: { state: 'scheduled' } }, jobId: id };
    },
  },
  {
    key: 'POST /jobs/clean',
    needs: 'admin',
    success: 200,
    prepare: async (b) => {
      const id = await cancelledJob(b);
      return { path: '/jobs/clean', body: { state: 'cancelled', olderThan: 0 }, jobId: id };
    },
  },
  { key: 'GET /stats', needs: 'viewer', success: 200, prepare: async () => ({ path: '/stats' }) },
  {
    key: 'GET /stats/history',
    needs: 'viewer',
    success: 200,
    prepare: async () => ({ path: '/stats/history' }),
  },
  { key: 'GET /me', needs: 'viewer', success: 200, prepare: async () => ({ path: '/me' }) },
  { key: 'GET /workers', needs: 'viewer', success: 200, prepare: async () => ({ path: '/workers' }) },
  { key: 'GET /tasks', needs: 'viewer', success: 200, prepare: async () => ({ path: '/tasks' }) },
  { key: 'GET /queues', needs: 'viewer', success: 200, prepare: async () => ({ path: '/queues' }) },
  {
    key: 'POST /queues/{name}/pause',
    needs: 'admin',
    success: 200,
    prepare: async (b) => {
      await b.reader.queues.resume('billing');
      return { path: '/queues/billing/pause' };
    },
  },
  {
    key: 'POST /queues/{name}/resume',
    needs: 'admin',
    success: 200,
    prepare: async (b) => {
      await b.reader.queues.pause('billing');
      return { path: '/queues/billing/resume' };
    },
  },
  { key: 'GET /schedules', needs: 'viewer', success: 200, prepare: async () => ({ path: '/schedules' }) },
  {
    key: 'POST /schedules/{key}/pause',
    needs: 'admin',
    success: 200,
    prepare: async (b) => ({ path: `/schedules/${await schedule(b)}/pause` }),
  },
  {
    key: 'POST /schedules/{key}/resume',
    needs: 'admin',
    success: 200,
    prepare: async (b) => {
      const key = await schedule(b);
      await b.reader.schedules.pause(key);
      return { path: `/schedules/${key}/resume` };
    },
  },
  {
    key: 'POST /schedules/{key}/trigger',
    needs: 'operator',
    success: 201,
    prepare: async (b) => ({ path: `/schedules/${await schedule(b)}/trigger` }),
  },
  {
    key: 'DELETE /schedules/{key}',
    needs: 'admin',
    success: 204,
    prepare: async (b) => ({ path: `/schedules/${await schedule(b)}` }),
  },
  { key: 'GET /events', needs: 'viewer', success: 200, prepare: async () => ({ path: '/events' }) },
];

const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

/** The status the matrix expects for one caller on one row. */
function expected(row: Row, caller: Caller): number {
  if (row.needs === null) return row.success;
  if (caller === 'none' || caller === 'bad') return 401;
  return RANK[caller] >= RANK[row.needs] ? row.success : 403;
}

function authorization(caller: Caller): string | undefined {
  if (caller === 'none') return undefined;
  if (caller === 'bad') return `Bearer ${TOKENS.admin.slice(0, -2)}xx`;
  return `Bearer ${TOKENS[caller]}`;
}

async function send(served: ServedApi, method: string, target: Target, caller: Caller) {
  const headers: Record<string, string> = {};
  const auth = authorization(caller);
  if (auth) headers.authorization = auth;
  if (target.path === '/events') {
    // The stream stays open: read the status and headers, then hang up.
    const controller = new AbortController();
    const response = await fetch(`${served.url}${target.path}`, { headers, signal: controller.signal });
    const status = response.status;
    controller.abort();
    await response.body?.cancel().catch(() => undefined);
    return status;
  }
  return (await call(served, method, target.path, { headers, ...(target.body ? { body: target.body } : {}) }))
    .status;
}

describe('authorization matrix (memory backend)', () => {
  let backend: Backend;
  let served: ServedApi;
  beforeAll(async () => {
    backend = await openBackend('memory');
    served = await serveForTest(backend.yard, {
      metrics: { metrics: async () => 'switchyard_up 1\n', contentType: 'text/plain; version=0.0.4' },
    });
  });
  afterAll(async () => {
    await served?.close();
    await backend?.close();
  });

  it('covers every route of the access table', () => {
    expect(ROWS.map((row) => row.key).sort()).toEqual(Object.keys(ROUTE_POLICIES).sort());
  });

  for (const row of ROWS) {
    it(`${row.key}: ${CALLERS.map((caller) => `${caller}→${expected(row, caller)}`).join(' ')}`, async () => {
      const method = row.key.split(' ')[0]!;
      for (const caller of CALLERS) {
        const target = await row.prepare(backend);
        const refused = expected(row, caller) >= 400;
        const write = method !== 'GET';
        const before = refused || write ? await backendSnapshot(backend.reader) : '';
        const rawBefore = target.jobId ? await backend.rawState(target.jobId) : null;
        const status = await send(served, method, target, caller);
        expect(status, `${caller} on ${row.key}`).toBe(expected(row, caller));
        if (refused) {
          expect(await backendSnapshot(backend.reader), `${caller} on ${row.key} changed the backend`).toBe(
            before,
          );
          if (target.jobId) expect(await backend.rawState(target.jobId)).toBe(rawBefore);
        } else if (write) {
          // The snapshot sees real writes, so "unchanged" above means something.
          expect(await backendSnapshot(backend.reader), `${caller} on ${row.key} wrote nothing`).not.toBe(
            before,
          );
        }
      }
    });
  }

  it('a malformed Authorization header is 401, not an error', async () => {
    for (const authorization of [
      'Basic YWRtaW46YWRtaW4=',
      'Bearer',
      'Bearer a b',
      `bearer  ${'x'.repeat(600)}`,
      'Bearer ü',
    ]) {
      const response = await call(served, 'GET', '/jobs', { authorization });
      expect([response.status, response.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="switchyard"');
    }
  });
});
