/**
 * Every section the runner knows. The backend sections (bullmq, pgboss, sqs)
 * wrap the side-by-side scripts `bench/src/<backend>.ts` written by each
 * adapter's engineer; until such a script exists the section reports why it
 * did not run instead of failing the whole bench.
 */
import { existsSync } from 'node:fs';
import { clusterSection } from './cluster/section.ts';
import { operationsSection } from './operations/section.ts';
import { scaleOutSection } from './scale-out/section.ts';
import { memorySection } from './scenarios/memory.ts';
import { telemetrySection } from './scenarios/telemetry.ts';
import type { Section } from './section.ts';
import { storageSection } from './storage/section.ts';
import { throttleSection } from './throttle/section.ts';

/** The backend sections, their peers (column order) and the module that adapts their script. */
const BACKENDS: { name: string; peers: string[] }[] = [
  { name: 'bullmq', peers: ['bullmq'] },
  { name: 'pgboss', peers: ['pg-boss', 'graphile-worker', 'switchyard 10k'] },
  { name: 'sqs', peers: ['sqs-consumer', 'aws-sdk'] },
];

/** A section that cannot run, with the reason shown in the table. */
export function unavailableSection(name: string, peers: string[], reason: string): Section {
  return {
    name,
    peers,
    availability: async () => reason,
    scenarios: async () => [],
  };
}

/** Loads every section, memory first. */
export async function loadSections(): Promise<Section[]> {
  const sections: Section[] = [memorySection()];
  for (const { name, peers } of BACKENDS) {
    const script = new URL(`./${name}.ts`, import.meta.url);
    const wrapper = new URL(`./scenarios/${name}.ts`, import.meta.url);
    if (!existsSync(script)) {
      sections.push(unavailableSection(name, peers, `bench/src/${name}.ts is not written yet`));
    } else if (!existsSync(wrapper)) {
      sections.push(unavailableSection(name, peers, `bench/src/${name}.ts is not wired into the runner yet`));
    } else {
      const module = (await import(wrapper.href)) as { section: () => Section };
      sections.push(module.section());
    }
  }
  // What metrics + tracing cost, on memory and BullMQ.
  sections.push(telemetrySection());
  // The operations figures (issue 11) on every backend.
  sections.push(operationsSection());
  // Throughput under a cluster-wide rate limit (issue 19) on every backend.
  sections.push(throttleSection());
  // Throughput with 1, 2 and 4 worker processes (issue 22) on BullMQ and pg-boss.
  sections.push(scaleOutSection());
  // Bytes per queued job in Redis and PostgreSQL (issue 22), beside the raw libraries.
  sections.push(storageSection());
  // The BullMQ adapter on a real 3-master Redis Cluster beside one node (issue 22).
  sections.push(clusterSection());
  return sections;
}
