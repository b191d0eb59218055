import { JOB_STATES, type JobState } from '@switchyard/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { exportedMetrics, prometheusMetrics, registerQueueGauges } from '../src/index.js';
import { promtoolCheckMetrics, requireBinary } from './promtool.js';

/** A registry with every metric of the package holding samples, label values included that need escaping. */
async function everyMetric(prefix?: string): Promise<Registry> {
  const registry = new Registry();
  const metrics = prometheusMetrics({ registry, ...(prefix === undefined ? {} : { prefix }) });
  const tasks = ['billing.invoice:send-v2', 'say "hi"\\now\nplease', 'Übersetzung 翻訳'];
  for (const task of tasks) {
    const labels = { queue: 'email', task };
    metrics.increment('jobs_enqueued_total', labels);
    metrics.increment('jobs_completed_total', labels);
    metrics.increment('jobs_retried_total', labels);
    metrics.increment('jobs_failed_total', { ...labels, error: 'JobTimeoutError' });
    metrics.increment('jobs_cancelled_total', labels);
    metrics.increment('jobs_stalled_total', labels);
    metrics.increment('jobs_spool_conflicts_total', labels);
    metrics.observe('job_duration_seconds', 0.042, labels);
    metrics.observe('job_wait_seconds', 3.5, labels);
  }
  metrics.setWorkerGauge('worker_active_jobs', 3, { worker: 'worker-0123456789ab' });
  metrics.setWorkerGauge('worker_concurrency', 10, { worker: 'worker-0123456789ab' });
  const counts = Object.fromEntries(JOB_STATES.map((state, i) => [state, i])) as Record<JobState, number>;
  registerQueueGauges(
    registry,
    async () => [{ queue: 'email', counts, oldestPendingAgeMs: 1500, paused: false }],
    {
      ...(prefix === undefined ? {} : { prefix }),
    },
  );
  return registry;
}

describe('promtool check metrics', () => {
  it('accepts every metric name, help text and escaped label value the package exports', async () => {
    const text = await (await everyMetric()).metrics();
    // Every documented family is in the text with samples, so promtool lints all of them.
    for (const name of exportedMetrics().keys()) expect(text).toMatch(new RegExp(`^${name}[{ _]`, 'm'));
    const { code, output } = await promtoolCheckMetrics(text);
    expect({ code, output }).toEqual({ code: 0, output: '' });
  });

  it('accepts them under a custom prefix too', async () => {
    const { code, output } = await promtoolCheckMetrics(await (await everyMetric('shop_jobs_')).metrics());
    expect({ code, output }).toEqual({ code: 0, output: '' });
  });

  it('without promtool installed, these tests fail saying how to install it (they do not skip)', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => requireBinary('promtool')).toThrow(
        "promtool is not installed: these tests need Prometheus's own tools. Install them with `apt-get install -y --no-install-recommends prometheus`",
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('is a real check: it flags a counter without _total', async () => {
    const { code, output } = await promtoolCheckMetrics(
      '# HELP jobs_done Done.\n# TYPE jobs_done counter\njobs_done 1\n',
    );
    expect(code).not.toBe(0);
    expect(output).toMatch(/should have "_total" suffix/);
  });
});
