/**
 * The figures of one chaos scenario, worked out from what the backend holds after the drain
 * and what the worker processes reported (pure).
 */
import type { JobState } from '@switchyard/core';
import type { RunRecord } from './fleet.ts';

/** One fault the harness caused. */
export interface Fault {
  kind: 'kill' | 'connection-kill' | 'outage' | 'freeze';
  /** Epoch ms. */
  at: number;
  /** The worker processes it hit (by number); every process when absent. */
  children?: number[];
}

/** What the verdict is computed from. */
export interface VerdictInput {
  /** Ids of the jobs the producer was told were stored (or spooled). */
  acknowledged: readonly string[];
  /** The backend's state of each acknowledged job after the drain (null: not there). */
  finalState: (id: string) => JobState | null;
  /** Jobs of the run still pending, scheduled, running or retrying after the drain (malformed entries too). */
  unfinished: number;
  runs: readonly RunRecord[];
  faults: readonly Fault[];
  /** Worker processes that exited without the harness asking. */
  crashes: number;
}

/** The figures of one scenario. */
export interface Verdict {
  jobs: number;
  /** Acknowledged jobs that are gone, failed or cancelled after the drain. */
  lost: number;
  /** Jobs (acknowledged or not) still unfinished after the drain. */
  stuck: number;
  /** Handler runs beyond the first, over all jobs. */
  duplicates: number;
  /** Jobs running in the processes a fault hit, summed over the faults: the duplicates they may cause. */
  inFlightAtFaults: number;
  crashes: number;
}

const FINISHED_BADLY: ReadonlySet<JobState> = new Set(['failed', 'cancelled']);

export function computeVerdict(input: VerdictInput): Verdict {
  let lost = 0;
  for (const id of input.acknowledged) {
    const state = input.finalState(id);
    if (state === null || FINISHED_BADLY.has(state)) lost++;
  }
  return {
    jobs: input.acknowledged.length,
    lost,
    stuck: input.unfinished,
    duplicates: duplicateRuns(input.runs),
    inFlightAtFaults: inFlightAtFaults(input.runs, input.faults),
    crashes: input.crashes,
  };
}

/** Runs beyond the first of each job. */
export function duplicateRuns(runs: readonly RunRecord[]): number {
  const perJob = new Map<string, number>();
  for (const run of runs) perJob.set(run.jobId, (perJob.get(run.jobId) ?? 0) + 1);
  let extra = 0;
  for (const count of perJob.values()) extra += count - 1;
  return extra;
}

/** For each fault, the distinct jobs running (started, completion not stored) in the processes it hit. */
export function inFlightAtFaults(runs: readonly RunRecord[], faults: readonly Fault[]): number {
  let total = 0;
  for (const fault of faults) {
    const hit = new Set<string>();
    for (const run of runs) {
      if (fault.children !== undefined && !fault.children.includes(run.child)) continue;
      if (run.startedAt <= fault.at && (run.endedAt === undefined || run.endedAt > fault.at))
        hit.add(run.jobId);
    }
    total += hit.size;
  }
  return total;
}

/** A job a frozen process held, and what the backend finally stored for it. */
export interface ZombieHeldJob {
  jobId: string;
  /** The frozen process's pid and the attempt it was running. */
  pid: number;
  attempt: number;
  /** Another process ran the job after the freeze (it was redelivered). */
  ranElsewhere: boolean;
  /** The stored result after the drain. */
  stored: { pid?: unknown; attempt?: unknown } | null;
}

/** Jobs redelivered and finished elsewhere whose stored outcome still came from the zombie. */
export function zombieSettlesAccepted(held: readonly ZombieHeldJob[]): number {
  return held.filter(
    (job) => job.ranElsewhere && job.stored?.pid === job.pid && job.stored?.attempt === job.attempt,
  ).length;
}
