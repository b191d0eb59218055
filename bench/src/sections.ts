/**
 * Every section the runner knows. The backend sections (bullmq, pgboss, sqs)
 * wrap the side-by-side scripts `bench/src/<backend>.ts` written by each
 * adapter's engineer; until such a script exists the section reports why it
 * did not run instead of failing the whole bench.
 */
import { existsSync } from 'node:fs';
import { memorySection } from './scenarios/memory.ts';
import type { Section } from './section.ts';

/** The backend sections, their peers (column order) and the module that adapts their script. */
const BACKENDS: { name: string; peers: string[] }[] = [
  { name: 'bullmq', peers: ['bullmq'] },
  { name: 'pgboss', peers: ['pg-boss', 'graphile-worker'] },
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
  return sections;
}
