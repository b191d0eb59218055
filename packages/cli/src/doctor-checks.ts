/**
 * The checks of `switchyard doctor`, as pure functions over what was read from the
 * backend, each with what to do when it fails. Table-tested without a backend.
 */
import type { StatsSummaryJson, TaskJson, WorkerJson } from '@switchyard/http/client';

/** One check's verdict. */
export interface DoctorCheck {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do about it (warn and fail only). */
  fix?: string;
}

/** Every queue with jobs ready to run needs a live worker consuming it. */
export function checkQueuesHaveWorkers(stats: StatsSummaryJson): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  for (const queue of stats.queues) {
    const waiting = queue.counts.pending + queue.counts.retrying;
    if (waiting === 0) continue;
    const name = `queue ${queue.queue}`;
    if (queue.paused) {
      checks.push({
        check: name,
        status: 'warn',
        detail: `paused with ${waiting} jobs waiting`,
        fix: `resume it when ready: switchyard queues resume ${queue.queue}`,
      });
    } else if (queue.workers === 0) {
      checks.push({
        check: name,
        status: 'fail',
        detail: `${waiting} jobs waiting and no live worker consumes it`,
        fix: `start one: switchyard worker --queues ${queue.queue}`,
      });
    } else {
      checks.push({ check: name, status: 'ok', detail: `${waiting} waiting, ${queue.workers} live workers` });
    }
  }
  if (checks.length === 0) checks.push({ check: 'queues', status: 'ok', detail: 'no jobs waiting' });
  return checks;
}

/** Workers running another `@switchyard/core` version than this CLI may disagree on the storage layout. */
export function checkWorkerVersions(workers: WorkerJson[], cliVersion: string): DoctorCheck {
  const others = workers.filter((worker) => worker.version !== cliVersion);
  if (workers.length === 0) return { check: 'worker versions', status: 'ok', detail: 'no live workers' };
  if (others.length === 0) {
    return {
      check: 'worker versions',
      status: 'ok',
      detail: `${workers.length} live workers on core ${cliVersion}`,
    };
  }
  const versions = [...new Set(others.map((worker) => worker.version))].join(', ');
  return {
    check: 'worker versions',
    status: 'warn',
    detail: `${others.length} of ${workers.length} workers run @switchyard/core ${versions}; this CLI has ${cliVersion}`,
    fix: 'deploy one version everywhere (a rolling deploy shows this briefly; that is fine)',
  };
}

/** Tasks without a handler can be enqueued but no worker started from this config runs them. */
export function checkTaskHandlers(tasks: TaskJson[]): DoctorCheck {
  if (tasks.length === 0) {
    return {
      check: 'tasks',
      status: 'warn',
      detail: 'the yard registers no tasks',
      fix: 'pass tasks: [...] to createSwitchyard in the config, so workers can run them and jobs can be enqueued by name',
    };
  }
  const producerOnly = tasks.filter((task) => !task.hasHandler).map((task) => task.name);
  if (producerOnly.length === 0)
    return { check: 'tasks', status: 'ok', detail: `${tasks.length} tasks, all with handlers` };
  return {
    check: 'tasks',
    status: 'warn',
    detail: `no handler in this config for: ${producerOnly.join(', ')}`,
    fix: 'fine for a producer-only config; the workers that run these tasks must register handlers (worker.handle)',
  };
}

/** The exit code of a doctor run: 1 when any check failed. */
export function doctorExitCode(checks: DoctorCheck[]): 0 | 1 {
  return checks.some((check) => check.status === 'fail') ? 1 : 0;
}
