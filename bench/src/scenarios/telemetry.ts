/**
 * What metrics and tracing cost: the same Switchyard run with telemetry off (the
 * default) and with both `prometheusMetrics` and `otelTracer` on (a real SDK tracer
 * provider, every span sampled and batched to an exporter that drops them), on the
 * memory adapter and on BullMQ. The "switchyard" contender has both on; "telemetry
 * off" is the same code without them, so their ratio is the cost; "metrics only" and
 * "tracing only" show where it goes, and "both, 1 % of traces sampled" what a production
 * setup (a parent-based ratio sampler) pays; "1 % sampled by otelTracer" is the same share
 * decided by its `sampleRatio` before the SDK is called. "SDK floor" makes the two spans per job by
 * hand on the same SDK, so "switchyard ÷ SDK floor" is what `otelTracer` adds beyond them;
 * "SDK floor, 1 % sampled" is the same under the production sampler, the floor of that row.
 */
import { randomBytes } from 'node:crypto';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { memoryAdapter } from '@switchyard/adapter-memory';
import { createSwitchyard, defineTask, type QueueAdapter, type SwitchyardOptions } from '@switchyard/core';
import { otelTracer } from '@switchyard/otel';
import { prometheusMetrics } from '@switchyard/prometheus';
import { REDIS_URL } from '@switchyard/test-services';
import { Registry } from 'prom-client';
import { deleteKeys } from '../redis-keys.ts';
import type { BenchOptions, Contender, Sample, Scenario, Section } from '../section.ts';
import { probeRedis } from './bullmq.ts';

const BATCH = 1000;
const CONCURRENCY = 100;

/** The bench measures the queue, not a validator. */
const passThrough: StandardSchemaV1<{ i: number }, { i: number }> = {
  '~standard': {
    version: 1,
    vendor: 'switchyard-bench',
    validate: (value) => ({ value: value as { i: number } }),
  },
};

/** Drops every span, after the SDK did all its work (sampling, attributes, batching). */
const discardingExporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

/**
 * Which seams are on. `floor` is telemetry off plus the two spans per job the conventions ask
 * for, made by hand on the same SDK (no context in metadata, no parent): what any tracer pays.
 */
type Mode = 'both' | 'sampled' | 'head-sampled' | 'metrics' | 'tracing' | 'floor' | 'floor-sampled' | 'off';

/** The ratio of traces the "sampled" modes keep. */
const SAMPLED_RATIO = 0.01;

/** Metrics into a fresh registry and/or spans through a real provider, or nothing. */
function telemetry(mode: Mode): {
  options: Pick<SwitchyardOptions, 'telemetry'>;
  floorTracer?: Tracer;
  close(): Promise<void>;
} {
  if (mode === 'off') return { options: {}, close: async () => {} };
  const provider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: discardingExporter })],
    ...(mode === 'sampled' || mode === 'floor-sampled'
      ? { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(SAMPLED_RATIO) }) }
      : {}),
  });
  if (mode === 'floor' || mode === 'floor-sampled') {
    return { options: {}, floorTracer: provider.getTracer('bench-floor'), close: () => provider.shutdown() };
  }
  return {
    options: {
      telemetry: {
        ...(mode === 'tracing' ? {} : { metrics: prometheusMetrics({ registry: new Registry() }) }),
        ...(mode === 'metrics'
          ? {}
          : {
              tracer: otelTracer({
                tracerProvider: provider,
                ...(mode === 'head-sampled' ? { sampleRatio: SAMPLED_RATIO } : {}),
              }),
            }),
      },
    },
    close: () => provider.shutdown(),
  };
}

/** Enqueues `jobs` no-op jobs in bulk, then processes them at concurrency 100; both rates. */
async function run(adapter: QueueAdapter, jobs: number, mode: Mode): Promise<Sample> {
  const telemetryOf = telemetry(mode);
  const floor = telemetryOf.floorTracer;
  const handler = floor === undefined ? () => {} : () => bareSpan(floor, 'process', SpanKind.CONSUMER);
  const task = defineTask({ name: 'bench-noop', queue: 'bench', schema: passThrough, handler });
  const yard = createSwitchyard({ adapter, tasks: [task], ...telemetryOf.options });
  await yard.start();
  try {
    const started = performance.now();
    for (let from = 0; from < jobs; from += BATCH) {
      const payloads = Array.from({ length: Math.min(BATCH, jobs - from) }, (_, k) => ({ i: from + k }));
      if (floor !== undefined) for (const _ of payloads) bareSpan(floor, 'send', SpanKind.PRODUCER);
      await yard.enqueueMany(task, payloads, { priority: (from / BATCH) % 10 });
    }
    const enqueued = performance.now();
    await yard.createWorker({ queues: ['bench'], concurrency: CONCURRENCY, scheduler: false }).start();
    // Polls the counters (events would cost per job and distort both contenders alike).
    while ((await yard.jobs.counts({ queue: 'bench' })).completed < jobs) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const finished = performance.now();
    return {
      rate: jobs / ((finished - started) / 1000),
      processRate: jobs / ((finished - enqueued) / 1000),
    };
  } finally {
    await yard.close();
    await telemetryOf.close();
  }
}

/** One span with the attributes `otelTracer` gives a job's span, started and ended. */
function bareSpan(tracer: Tracer, operation: 'send' | 'process', kind: SpanKind): void {
  const span = tracer.startSpan(`${operation} bench`, {
    kind,
    attributes: {
      'messaging.system': 'switchyard',
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
      'messaging.destination.name': 'bench',
      'switchyard.task': 'bench-noop',
    },
  });
  if (span.isRecording()) {
    span.setAttributes({
      'switchyard.adapter': 'bench',
      'messaging.message.id': 'id',
      'switchyard.attempt': 1,
    });
  }
  span.end();
}

async function runBullmq(jobs: number, mode: Mode): Promise<Sample> {
  const prefix = `benchtel${randomBytes(3).toString('hex')}`;
  try {
    return await run(bullmqAdapter({ connection: REDIS_URL, prefix }), jobs, mode);
  } finally {
    await deleteKeys(REDIS_URL, `${prefix}:*`);
  }
}

/** Both on (the figure the target is about), both with sampling, each alone (where the cost is), and off. */
function contenders(runWith: (mode: Mode) => Promise<Sample>, note: string): Contender[] {
  const both = `prometheusMetrics + otelTracer (every span sampled, batch span processor); ${note}`;
  return [
    { name: 'switchyard', role: 'switchyard', settings: { telemetry: both }, run: () => runWith('both') },
    {
      name: 'both, 1 % sampled',
      role: 'peer',
      settings: {
        telemetry: `prometheusMetrics + otelTracer, ParentBased(TraceIdRatioBased(${SAMPLED_RATIO})) sampler`,
      },
      run: () => runWith('sampled'),
    },
    {
      name: 'both, 1 % sampled by otelTracer',
      role: 'peer',
      settings: {
        telemetry: `prometheusMetrics + otelTracer({ sampleRatio: ${SAMPLED_RATIO} }), the SDK's default sampler`,
      },
      run: () => runWith('head-sampled'),
    },
    {
      name: 'metrics only',
      role: 'peer',
      settings: { telemetry: 'prometheusMetrics' },
      run: () => runWith('metrics'),
    },
    {
      name: 'tracing only',
      role: 'peer',
      settings: { telemetry: 'otelTracer' },
      run: () => runWith('tracing'),
    },
    {
      name: 'SDK floor',
      role: 'peer',
      settings: { telemetry: 'none; two spans per job made by hand on the same SDK (every span sampled)' },
      run: () => runWith('floor'),
    },
    {
      name: 'SDK floor, 1 % sampled',
      role: 'peer',
      settings: {
        telemetry: `none; the same two spans per job by hand, ParentBased(TraceIdRatioBased(${SAMPLED_RATIO})) sampler`,
      },
      run: () => runWith('floor-sampled'),
    },
    {
      name: 'telemetry off',
      role: 'peer',
      settings: { telemetry: 'none (the default)' },
      run: () => runWith('off'),
    },
  ];
}

const metrics = [
  { key: 'rate', label: 'jobs/s (enqueue + process)', better: 'higher' as const },
  { key: 'processRate', label: 'process-only jobs/s', better: 'higher' as const },
];

/** Builds the telemetry section. */
export function telemetrySection(): Section {
  let redisReason: string | undefined;
  return {
    name: 'telemetry',
    peers: [
      'both, 1 % sampled',
      'both, 1 % sampled by otelTracer',
      'metrics only',
      'tracing only',
      'SDK floor',
      'SDK floor, 1 % sampled',
      'telemetry off',
    ],
    async availability() {
      const probe = await probeRedis();
      redisReason = 'reason' in probe ? probe.reason : undefined;
      return undefined;
    },
    async scenarios(options: BenchOptions): Promise<Scenario[]> {
      const memoryJobs = options.quick ? 30_000 : 200_000;
      // Enough jobs that a round lasts seconds: shorter rounds left ranges of ±20 %.
      const bullmqJobs = options.quick ? 2_000 : 30_000;
      const list: Scenario[] = [
        {
          id: 'memory-on-vs-off',
          title: 'Memory adapter, no-op jobs, concurrency 100: metrics + tracing on vs off',
          settings: { jobs: memoryJobs, concurrency: CONCURRENCY, batch: BATCH },
          metrics,
          contenders: contenders((mode) => run(memoryAdapter(), memoryJobs, mode), 'memory adapter'),
        },
      ];
      const bullmq: Scenario = {
        id: 'bullmq-on-vs-off',
        title: 'BullMQ adapter (Redis), no-op jobs, concurrency 100: metrics + tracing on vs off',
        settings: { jobs: bullmqJobs, concurrency: CONCURRENCY, batch: BATCH, REDIS_URL },
        metrics,
        contenders: contenders((mode) => runBullmq(bullmqJobs, mode), 'BullMQ adapter'),
      };
      if (redisReason === undefined) list.push(bullmq);
      else list.push({ ...bullmq, contenders: [], notRun: [{ name: 'switchyard', reason: redisReason }] });
      return list;
    },
  };
}
