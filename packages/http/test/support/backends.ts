/**
 * The four backends, built the way each adapter's conformance module builds them
 * (the same module, loaded from the adapter package's test folder), with a second
 * "reader" yard on the same prefix and the module's raw backdoor for checks that must
 * not go through the API under test.
 */
import { randomBytes } from 'node:crypto';
import type { ConformanceAdapterModule } from '@switchyard/conformance';
import {
  createSwitchyard,
  type JobState,
  type Logger,
  type Switchyard,
  type TaskDefinition,
} from '@switchyard/core';
import { HTTP_TASKS } from './tasks.js';

/** The backends every route test runs on. */
export const BACKENDS = ['memory', 'bullmq', 'pgboss', 'sqs'] as const;
/** One backend's name. */
export type BackendName = (typeof BACKENDS)[number];

const MODULE_DIRS: Record<BackendName, string> = {
  memory: 'adapter-memory',
  bullmq: 'adapter-bullmq',
  pgboss: 'adapter-pgboss',
  sqs: 'adapter-sqs',
};

/** The URL of a backend's conformance module (also loadable in a child process). */
export function moduleUrlOf(name: BackendName): string {
  return new URL(`../../../${MODULE_DIRS[name]}/test/conformance-adapter.ts`, import.meta.url).href;
}

const modules = new Map<BackendName, Promise<ConformanceAdapterModule>>();

/** Loads (once) the conformance module of a backend. Fails loudly when its service is down. */
export function loadModule(name: BackendName): Promise<ConformanceAdapterModule> {
  let loading = modules.get(name);
  if (!loading) {
    loading = import(/* @vite-ignore */ moduleUrlOf(name)).then((imported) => imported.default);
    modules.set(name, loading);
  }
  return loading;
}

/** A started yard on a fresh prefix, a reader yard on the same backend, and raw reads. */
export interface Backend {
  name: BackendName;
  prefix: string;
  yard: Switchyard;
  /** A second yard on the same prefix (another "process"), for reading back without the API. */
  reader: Switchyard;
  /** The stored state of a job read straight from the backend (not through any yard). */
  rawState(jobId: string): Promise<JobState | null>;
  /** Builds another adapter on this prefix (for more yards or workers). */
  module: ConformanceAdapterModule;
  close(): Promise<void>;
}

/** Opens a backend with fresh, isolated storage. */
export async function openBackend(
  name: BackendName,
  options: { tasks?: TaskDefinition[]; logger?: Logger } = {},
): Promise<Backend> {
  const module = await loadModule(name);
  const prefix = `sy${randomBytes(5).toString('hex')}`;
  const tasks = options.tasks ?? HTTP_TASKS;
  const yard = createSwitchyard({
    adapter: module.createAdapter({ prefix }),
    tasks,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await yard.start();
  const reader = createSwitchyard({ adapter: module.createAdapter({ prefix }), tasks, publishEvents: false });
  await reader.start();
  return {
    name,
    prefix,
    yard,
    reader,
    module,
    rawState: (jobId) => module.readRawState({ prefix, adapter: yard.adapter }, jobId),
    close: async () => {
      await reader.close();
      await yard.close();
      await module.cleanup?.({ prefix });
    },
  };
}
