/**
 * `runConformanceSuite`: registers every capability group against one adapter module.
 * Called from an adapter package's vitest file; vitest is a peer dependency.
 */
import { describe } from 'vitest';
import { hasStrictOrdering, skippedFeatures } from './capabilities.js';
import { registerBadInput } from './groups/bad-input.js';
import { registerBulk } from './groups/bulk.js';
import { registerCancellation } from './groups/cancellation.js';
import { registerConcurrency } from './groups/concurrency.js';
import { registerCrashRecovery } from './groups/crash-recovery.js';
import { registerDelay } from './groups/delay.js';
import { registerDurability } from './groups/durability.js';
import { registerEnqueueValidation } from './groups/enqueue-validation.js';
import { registerEvents } from './groups/events.js';
import { registerFencing } from './groups/fencing.js';
import { registerFlowsChain } from './groups/flows-chain.js';
import { registerFlowsGroupChord } from './groups/flows-group-chord.js';
import { registerGracefulShutdown } from './groups/graceful-shutdown.js';
import { registerHistory } from './groups/history.js';
import { registerObservability } from './groups/observability.js';
import { registerOnFailedTx } from './groups/on-failed-tx.js';
import { registerOrderingPriority } from './groups/ordering-priority.js';
import { registerOutage } from './groups/outage.js';
import { registerPauseResume } from './groups/pause-resume.js';
import { registerQueries } from './groups/queries.js';
import { registerResultsProgress } from './groups/results-progress.js';
import { registerRetries } from './groups/retries.js';
import { registerSchedules } from './groups/schedules.js';
import { registerSearch } from './groups/search.js';
import { registerStateMachine } from './groups/state-machine.js';
import { registerThrottling } from './groups/throttling.js';
import { registerTimeouts } from './groups/timeouts.js';
import { registerTransactionalEnqueue } from './groups/transactional-enqueue.js';
import { registerTrigger } from './groups/trigger.js';
import { registerUniqueness } from './groups/uniqueness.js';
import { registerWorkers } from './groups/workers.js';
import { newPrefix, type SuiteEnv } from './harness.js';
import {
  CORRUPTION_KINDS,
  DEFAULT_DELIVERY_LATENCY_MS,
  loadAdapterModule,
  moduleUrl,
  optionalHooksOf,
} from './module.js';

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
  registerWorkers,
  registerEvents,
  registerHistory,
  registerSearch,
  registerBulk,
  registerTrigger,
  registerFlowsChain,
  registerFlowsGroupChord,
  registerOnFailedTx,
  registerOutage,
  registerFencing,
  registerThrottling,
];

/** Registers the whole conformance suite as vitest `describe` blocks for one adapter. */
export function runConformanceSuite(options: ConformanceSuiteOptions): void {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new TypeError(`timeScale must be a positive number; got ${timeScale}`);
  describe(`conformance: ${options.name}`, async () => {
    const module = await loadAdapterModule(options.adapterModule);
    // Capabilities are data on the adapter; read them once from an adapter that is never started.
    const probe = module.createAdapter({ prefix: newPrefix() });
    const specVersion = probe.specVersion as number;
    if (specVersion !== 1 && specVersion !== 2) {
      throw new TypeError(
        `${options.name}: adapter specVersion is ${String(probe.specVersion)}; the suite checks 1 and 2`,
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
    const ms = (value: number) => Math.round(value * timeScale);
    const env: SuiteEnv = {
      name: options.name,
      moduleUrl: moduleUrl(options.adapterModule),
      module,
      capabilities,
      specVersion,
      ms,
      deliverySlackMs: ms(module.deliveryLatencyMs ?? DEFAULT_DELIVERY_LATENCY_MS),
      corruptionKinds: module.corruptionKinds ?? ['payload'],
    };
    const skipped = skippedFeatures(capabilities, specVersion, optionalHooksOf(module));
    const undeclared = CORRUPTION_KINDS.filter((kind) => !env.corruptionKinds.includes(kind));
    console.info(
      `[conformance] ${options.name} (adapter "${probe.name}"): ${GROUPS.length} groups; ` +
        (skipped.length === 0
          ? 'nothing skipped'
          : `skipped: ${skipped.map(({ id, reason }) => `${id} (${reason})`).join('; ')}`) +
        `; delivery slack ${env.deliverySlackMs} ms` +
        (module.deliveryLatencyMs === undefined
          ? ' (default: the module declares no deliveryLatencyMs)'
          : '') +
        `; corrupt records checked: ${env.corruptionKinds.join(', ')}` +
        (undeclared.length === 0
          ? ''
          : ` (skipped: ${undeclared.join(', ')}: not in the module's corruptionKinds)`) +
        (hasStrictOrdering(capabilities)
          ? ''
          : "; ordering-priority checks that every job ran, not their order (capabilities.ordering = 'best-effort')"),
    );
    for (const register of GROUPS) register(env);
  });
}
