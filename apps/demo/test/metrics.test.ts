import { describe, expect, it } from 'vitest';
import { DEMO_TIMINGS } from '../src/config.ts';
import { newNamespace } from '../src/run.ts';
import { startShop } from '../src/shop.ts';

describe('the demo shop', () => {
  it('serves Prometheus metrics at GET /metrics, counting the jobs it ran', async () => {
    const shop = await startShop({ backend: 'memory', timings: DEMO_TIMINGS, namespace: newNamespace() });
    try {
      const { jobId } = (await (await fetch(`${shop.url}/reports/daily`, { method: 'POST' })).json()) as {
        jobId: string;
      };
      expect(await shop.yard.jobs.waitFor(jobId, { timeout: '10s', pollInterval: 10 })).toMatchObject({
        state: 'completed',
      });
      const response = await fetch(`${shop.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toMatch(/^switchyard_jobs_completed_total\{queue="reports",task="sales-report"\} [1-9]/m);
      expect(text).toMatch(/^switchyard_queue_jobs\{queue="reports",state="completed"\} [1-9]/m);
      expect(text).toMatch(/^switchyard_worker_concurrency\{worker="worker-[0-9a-f]{12}"\} 8$/m);
    } finally {
      await shop.close();
    }
  });
});
