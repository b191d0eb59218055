/**
 * Runs one scenario on one backend: its own prefix, proxies when it cuts the backend, a
 * producer and a reader yard in this process, worker processes; then drains and judges.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTcpProxy, type TcpProxy } from '@switchyard/conformance/tcp-proxy';
import { createSwitchyard, type Switchyard, spool } from '@switchyard/core';
import type { BackendName, ChaosBackend, Route } from './backends/types.ts';
import { direct } from './backends/types.ts';
import { drain } from './drain.ts';
import * as drivers from './drivers.ts';
import { Fleet } from './fleet.ts';
import type { ScenarioSpec } from './scenarios.ts';
import { type ChaosResult, chaosTask } from './task.ts';
import { computeVerdict, type Verdict, zombieSettlesAccepted } from './verdict.ts';

/** The outcome of one scenario on one backend. */
export interface ScenarioResult {
  backend: BackendName;
  scenario: string;
  kind: ScenarioSpec['kind'];
  verdict: Verdict;
  /** From the last fault until every acknowledged job completed; null when some never did. */
  drainMs: number | null;
  figures: Record<string, number>;
  notes: string[];
  /** Wall time of the whole scenario. */
  durationMs: number;
  /** What crashed workers printed (empty when none crashed). */
  crashReports: string[];
}

/** Proxies in front of every service of `backend`, and the route through them. */
async function proxiesFor(backend: ChaosBackend): Promise<{ proxies: TcpProxy[]; route: Route }> {
  const proxies = await Promise.all(backend.services().map((service) => startTcpProxy(service)));
  const byTarget = new Map(
    proxies.map((proxy) => [`${proxy.target.host}:${proxy.target.port}`, proxy.address]),
  );
  return { proxies, route: (service) => byTarget.get(`${service.host}:${service.port}`) ?? service };
}

export async function runScenario(
  backend: ChaosBackend,
  spec: ScenarioSpec,
  progress: (line: string) => void,
): Promise<ScenarioResult> {
  const started = Date.now();
  const prefix = `chaos${randomBytes(5).toString('hex')}`;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const viaProxies = spec.kind === 'outage' ? await proxiesFor(backend) : undefined;
    if (viaProxies) cleanups.unshift(() => Promise.all(viaProxies.proxies.map((proxy) => proxy.close())));
    const route = viaProxies?.route ?? direct;

    const reader = createSwitchyard({ adapter: backend.createAdapter(prefix, direct), tasks: [chaosTask] });
    await reader.start();
    cleanups.unshift(() => reader.close());
    let producer: Switchyard = reader;
    if (spec.kind === 'outage') {
      const dir = await mkdtemp(join(tmpdir(), 'switchyard-chaos-'));
      cleanups.unshift(() => rm(dir, { recursive: true, force: true }));
      producer = createSwitchyard({
        adapter: backend.createAdapter(prefix, route),
        tasks: [chaosTask],
        backendTimeout: spec.backendTimeoutMs,
        ...(spec.spool ? { fallback: spool({ path: join(dir, 'spool.db') }) } : {}),
      });
      await producer.start();
      const opened = producer;
      cleanups.unshift(() => opened.close());
    }

    const routes: Record<string, { host: string; port: number }> = {};
    for (const service of backend.services()) routes[`${service.host}:${service.port}`] = route(service);
    const fleet = new Fleet(backend.name, prefix, {
      concurrency: spec.concurrency,
      leaseMs: spec.leaseMs,
      jobMs: spec.jobMs,
      route: routes,
    });
    cleanups.unshift(() => fleet.stopAll());

    const context: drivers.DriverContext = {
      backend,
      prefix,
      fleet,
      producer,
      reader,
      progress,
      ...(viaProxies
        ? {
            outage: {
              cut: () => Promise.all(viaProxies.proxies.map((proxy) => proxy.cut())).then(() => {}),
              restore: () => Promise.all(viaProxies.proxies.map((proxy) => proxy.restore())).then(() => {}),
            },
          }
        : {}),
    };
    const outcome = await drive(context, spec);
    const drained = await drain(reader, outcome.acknowledged, {
      lastFaultAt: outcome.lastFaultAt,
      timeoutMs: spec.drainTimeoutMs,
      leftoverMs: spec.leaseMs * 3,
    });
    const verdict = computeVerdict({
      acknowledged: outcome.acknowledged,
      finalState: drained.finalState,
      unfinished: drained.unfinished,
      runs: fleet.runs,
      faults: outcome.faults,
      crashes: fleet.crashes().length,
    });
    const figures = { ...outcome.figures };
    const notes = [...outcome.notes];
    if (outcome.held) {
      const held = await Promise.all(
        outcome.held.map(async (job) => ({
          ...job,
          ranElsewhere: fleet.runs.some(
            (run) => run.jobId === job.jobId && run.startedAt > job.frozenAt && run.attempt !== job.attempt,
          ),
          stored: ((await reader.jobs.get(job.jobId))?.result ?? null) as Partial<ChaosResult> | null,
        })),
      );
      figures.zombieSettlesAccepted = zombieSettlesAccepted(held);
      notes.push(`${figures.zombieSettlesAccepted} settles accepted from zombies`);
    }
    if (spec.kind === 'malformed') {
      const { completed, failed, cancelled } = drained.counts;
      figures.failed = failed;
      notes.push(
        `afterwards ${completed} completed, ${failed} failed, ${cancelled} cancelled, ${drained.unfinished} unfinished`,
      );
    }
    return {
      backend: backend.name,
      scenario: spec.name,
      kind: spec.kind,
      verdict,
      drainMs: drained.drainMs,
      figures,
      notes,
      durationMs: Date.now() - started,
      crashReports: fleet
        .crashes()
        .map((exit) => `worker ${exit.child} (${exit.code ?? exit.signal}):\n${exit.stderr}`),
    };
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error: unknown) => progress(`cleanup failed: ${String(error)}`));
    }
    await backend
      .cleanup(prefix)
      .catch((error: unknown) => progress(`cleanup of ${prefix} failed: ${String(error)}`));
  }
}

function drive(context: drivers.DriverContext, spec: ScenarioSpec): Promise<drivers.DriverOutcome> {
  switch (spec.kind) {
    case 'kill-loop':
      return drivers.killLoop(context, spec);
    case 'connection-kills':
      return drivers.connectionKills(context, spec);
    case 'outage':
      return drivers.outage(context, spec);
    case 'zombies':
      return drivers.zombies(context, spec);
    case 'malformed':
      return drivers.malformed(context, spec);
  }
}
