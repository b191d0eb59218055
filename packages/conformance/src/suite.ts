/**
 * `runConformanceSuite`: registers every capability group against one adapter module.
 * Called from an adapter package's vitest file; vitest is a peer dependency.
 */
import { describe } from 'vitest';
import { hasStrictOrdering, skippedFeatures } from './capabilities.js';
import { registerBadInput } from './groups/bad-input.js';
import { registerCancellation } from './groups/cancellation.js';
import { registerConcurrency } from './groups/concurrency.js';
import { registerCrashRecovery } from './groups/crash-recovery.js';
import { registerDelay } from './groups/delay.js';
import { registerDurability } from './groups/durability.js';
import { registerEnqueueValidation } from './groups/enqueue-validation.js';
import { registerGracefulShutdown } from './groups/graceful-shutdown.js';
import { registerObservability } from './groups/observability.js';
import { registerOrderingPriority } from './groups/ordering-priority.js';
import { registerPauseResume } from './groups/pause-resume.js';
import { registerQueries } from './groups/queries.js';
import { registerResultsProgress } from './groups/results-progress.js';
import { registerRetries } from './groups/retries.js';
import { registerSchedules } from './groups/schedules.js';
import { registerStateMachine } from './groups/state-machine.js';
import { registerTimeouts } from './groups/timeouts.js';
import { registerTransactionalEnqueue } from './groups/transactional-enqueue.js';
import { registerUniqueness } from './groups/uniqueness.js';
import { newPrefix, type SuiteEnv } from './harness.js';
import { loadAdapterModule, moduleUrl } from './module.js';

/** Options of {@link runConformanceSuite}. */
export interface ConformanceSuiteOptions {
  /** Shown in test titles, e.g. `'bullmq'`. */
  name: string;
  /** File URL or absolute path of the module whose default export is a `ConformanceAdapterModule`. */
  adapterModule: string;
  /** Multiplies every wait, lease and bound in the suite (default 1); raise it for slow backends. */
  timeScale?: number;
}

/** Every capability group, in the order they run. */
const GROUPS: ReadonlyArray<(env: SuiteEnv) => void> = [
  registerEnqueueValidation,
  registerStateMachine,
  registerOrderingPriority,
  registerDelay,
  registerRetries,
  registerTimeouts,
  registerCancellation,
  registerUniqueness,
  registerResultsProgress,
  registerQueries,
  registerPauseResume,
  registerSchedules,
  registerCrashRecovery,
  registerGracefulShutdown,
  registerConcurrency,
  registerTransactionalEnqueue,
  registerObservability,
  registerBadInput,
  registerDurability,
];

/** Registers the whole conformance suite as vitest `describe` blocks for one adapter. */
export function runConformanceSuite(options: ConformanceSuiteOptions): void {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new TypeError(`timeScale must be a positive number; got ${timeScale}`);
  describe(`conformance: ${options.name}`, async () => {
    const module = await loadAdapterModule(options.adapterModule);
    // Capabilities are data on the adapter; read them once from an adapter that is never started.
    const probe = module.createAdapter({ prefix: newPrefix() });
    if (probe.specVersion !== 1) {
      throw new TypeError(
        `${options.name}: adapter specVersion is ${String(probe.specVersion)}; the suite checks 1`,
      );
    }
    const capabilities = { ...probe.capabilities };
    try {
      await probe.close();
    } catch (error) {
      console.warn(
        `[conformance] ${options.name}: closing the never-started capability probe adapter threw`,
        error,
      );
    }
    const env: SuiteEnv = {
      name: options.name,
      moduleUrl: moduleUrl(options.adapterModule),
      module,
      capabilities,
      ms: (value) => Math.round(value * timeScale),
    };
    const skipped = skippedFeatures(capabilities);
    console.info(
      `[conformance] ${options.name} (adapter "${probe.name}"): ${GROUPS.length} groups; ` +
        (skipped.length === 0
          ? 'nothing skipped'
          : `skipped: ${skipped.map(({ id, reason }) => `${id} (${reason})`).join('; ')}`) +
        (hasStrictOrdering(capabilities)
          ? ''
          : "; ordering-priority checks that every job ran, not their order (capabilities.ordering = 'best-effort')"),
    );
    for (const register of GROUPS) register(env);
  });
}
