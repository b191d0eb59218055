/**
 * A few thousand jobs in every state, spread over two queues and two tasks, with known
 * metadata, payloads and creation times, so each search can be checked against an
 * expectation computed here (not read back through the adapter).
 */
import { JOB_STATES, type JobState, type Lease, type NewJob } from '@switchyard/core';
import { eventually, type Harness, newJob } from './harness.js';

/** What the fixture knows about each job it stored. */
export interface FixtureJob {
  job: NewJob;
  state: JobState;
  /** Finished before the fixture's `finishedBetween` mark (failed and cancelled jobs). */
  finishedEarly: boolean;
}

export interface SearchFixture {
  jobs: FixtureJob[];
  /** A time after the failed/cancelled jobs finished and before the completed ones did. */
  finishedBetween: Date;
  /** Creation time of job i is `createdBase + i` ms. */
  createdBase: number;
}

/** The state job `i` ends in. */
function stateOf(i: number): JobState {
  switch (i % 5) {
    case 0:
      return 'failed';
    case 1:
      return 'completed';
    case 2:
      return 'retrying';
    case 3:
      return 'cancelled';
    default:
      return i % 2 === 0 ? 'scheduled' : 'pending';
  }
}

/** Settles every lease of `jobs` as its fixture state says; resolves when all are settled. */
async function process(h: Harness, jobs: FixtureJob[]): Promise<void> {
  const byId = new Map(jobs.map((entry) => [entry.job.id, entry]));
  let settled = 0;
  const consumer = h.adapter.consume(
    ['alpha', 'beta'],
    { concurrency: 100, leaseDurationMs: 30_000 },
    async (lease: Lease) => {
      const entry = byId.get(lease.job.id);
      if (!entry) throw new Error(`unexpected job ${lease.job.id}`);
      const error = { name: 'Error', message: `job ${lease.job.id} failed` };
      if (entry.state === 'failed') await lease.fail(error);
      else if (entry.state === 'completed') await lease.complete({ ok: true });
      else if (entry.state === 'retrying') await lease.retry(new Date(Date.now() + 3_600_000), error);
      else if (entry.state === 'cancelled') await lease.cancelled();
      settled++;
    },
  );
  await eventually(() => settled === jobs.length, `${jobs.length} settled leases`, 60_000);
  await consumer.stop();
}

/** Stores `count` jobs (default 3000) and drives them into their states. */
export async function buildSearchFixture(h: Harness, count = 3000): Promise<SearchFixture> {
  const createdBase = Date.now() - 3_600_000;
  const jobs: FixtureJob[] = [];
  for (let i = 0; i < count; i++) {
    const state = stateOf(i);
    const createdAt = new Date(createdBase + i);
    const runAt = state === 'scheduled' ? new Date(Date.now() + 3_600_000) : createdAt;
    const job = newJob({
      queue: i % 2 === 0 ? 'alpha' : 'beta',
      task: i % 3 === 0 ? 'resize' : 'email',
      createdAt,
      runAt,
      metadata: { tenant: `t${i % 10}`, ...(i % 7 === 0 ? { vip: 'yes' } : {}) },
      payload: {
        n: i,
        kind: i % 4 === 0 ? 'big' : 'small',
        tags: [i % 5],
        size: { w: i % 3, h: 1 },
        note: i % 11 === 0 ? null : `note ${i % 11}`,
      },
    });
    jobs.push({ job, state, finishedEarly: state === 'failed' || state === 'cancelled' });
  }
  const early = jobs.filter((entry) => entry.finishedEarly);
  const late = jobs.filter((entry) => entry.state === 'completed' || entry.state === 'retrying');
  const waiting = jobs.filter((entry) => entry.state === 'scheduled' || entry.state === 'pending');
  await h.adapter.enqueue(early.map((entry) => entry.job));
  await process(h, early);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const finishedBetween = new Date();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await h.adapter.enqueue(late.map((entry) => entry.job));
  await process(h, late);
  await h.adapter.enqueue(waiting.map((entry) => entry.job));
  return { jobs, finishedBetween, createdBase };
}

/** Jobs per state in the fixture. */
export function fixtureCounts(fixture: SearchFixture): Record<JobState, number> {
  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  for (const entry of fixture.jobs) counts[entry.state]++;
  return counts;
}
