import { describe, expect, it } from 'vitest';
import type { Lease } from '../src/adapter.js';
import type { FlowOutcome } from '../src/flow-definition.js';
import { decodeFlowSpec, FLOW_ID_KEY, FLOW_STEP_KEY } from '../src/flow-spec.js';
import {
  FlowStepLease,
  flowStepOf,
  outcomeOfJob,
  outcomeProgress,
  RecordedError,
  recordedOutcome,
} from '../src/flow-step.js';
import { flowStepJobId, newJobId } from '../src/ids.js';
import type { JobRecord } from '../src/job.js';
import { chainOf, s, spec } from './flow-nodes.js';

const record = (state: JobRecord['state'], extra: Partial<JobRecord> = {}): JobRecord => ({
  id: newJobId(),
  task: 't',
  queue: 'q',
  payload: null,
  priority: 5,
  createdAt: new Date(0),
  runAt: new Date(0),
  maxAttempts: 1,
  metadata: { [FLOW_ID_KEY]: newJobId(), [FLOW_STEP_KEY]: '0' },
  state,
  attempt: 1,
  ...extra,
});
const error = { name: 'Error', message: 'boom', code: 'X' };

describe('recorded outcomes', () => {
  it.each<FlowOutcome>([
    { state: 'completed', result: { a: [1] } },
    { state: 'failed', error },
    { state: 'cancelled' },
  ])('round-trips %o through progress', (outcome) => {
    expect(recordedOutcome(JSON.parse(JSON.stringify(outcomeProgress(3, outcome))))).toEqual({
      attempt: 3,
      outcome,
    });
  });

  it.each<[string, unknown]>([
    ['no progress', undefined],
    ['a number', 50],
    ['user progress', { percent: 50 }],
    ['no attempt', { 'switchyard.flowOutcome': { state: 'cancelled' } }],
    ['an unknown state', { 'switchyard.flowOutcome': { attempt: 1, state: 'won' } }],
    ['a failure without error', { 'switchyard.flowOutcome': { attempt: 1, state: 'failed' } }],
  ])('ignores %s', (_name, progress) => expect(recordedOutcome(progress)).toBeUndefined());
});

describe('outcomeOfJob', () => {
  const marker = outcomeProgress(1, { state: 'completed', result: 7 });
  it.each<[string, JobRecord | null, boolean, unknown]>([
    ['a missing job', null, true, { state: 'absent' }],
    ['a completed job', record('completed', { result: 2 }), true, { state: 'completed', result: 2 }],
    ['a failed job', record('failed', { error }), true, { state: 'failed', error }],
    ['a cancelled job', record('cancelled'), true, { state: 'cancelled' }],
    ['a pending job', record('pending'), true, { state: 'open' }],
    [
      'a running job that recorded its outcome',
      record('running', { progress: marker }),
      true,
      { state: 'completed', result: 7 },
    ],
    [
      'the same, when only settled jobs count',
      record('running', { progress: marker }),
      false,
      { state: 'open' },
    ],
  ])('%s', (_name, job, recorded, expected) => expect(outcomeOfJob(job, recorded)).toEqual(expected));
});

describe('flowStepOf and RecordedError', () => {
  it('reads the flow and path from metadata only when both are there', () => {
    const job = record('running');
    expect(flowStepOf(job)).toEqual({ flowId: job.metadata[FLOW_ID_KEY], path: '0' });
    expect(flowStepOf({ ...job, metadata: { [FLOW_ID_KEY]: 'x' } })).toBeUndefined();
  });
  it('rebuilds name, message and code', () => {
    expect(new RecordedError(error)).toMatchObject({ name: 'Error', message: 'boom', code: 'X' });
  });
});

/** A lease recording the order of the calls made on it. */
function recordingLease(calls: string[], withFailWithin = false): Lease {
  const lease: Lease = {
    job: record('running', { attempt: 2 }),
    redelivered: false,
    signal: new AbortController().signal,
    heartbeat: async () => void calls.push('heartbeat'),
    progress: async (value) => void calls.push(`progress ${JSON.stringify(value)}`),
    complete: async (result) => void calls.push(`complete ${JSON.stringify(result)}`),
    retry: async () => void calls.push('retry'),
    fail: async (e) => void calls.push(`fail ${e.message}`),
    cancelled: async () => void calls.push('cancelled'),
    release: async () => void calls.push('release'),
  };
  if (withFailWithin) lease.failWithin = async (e) => void calls.push(`failWithin ${e.message}`);
  return lease;
}

describe('FlowStepLease', () => {
  const advance = (calls: string[], fails = false) => ({
    advance: async (_job: JobRecord, outcome: FlowOutcome) => {
      calls.push(`advance ${outcome.state}`);
      if (fails) throw new Error('backend down');
    },
  });

  it('records the outcome, then advances, then settles', async () => {
    const calls: string[] = [];
    await new FlowStepLease(recordingLease(calls), advance(calls), false).complete(5);
    expect(calls).toEqual([
      `progress ${JSON.stringify(outcomeProgress(2, { state: 'completed', result: 5 }))}`,
      'advance completed',
      'complete 5',
    ]);
  });

  it('does not record again an outcome a previous attempt recorded', async () => {
    const calls: string[] = [];
    await new FlowStepLease(recordingLease(calls), advance(calls), true).cancelled();
    expect(calls).toEqual(['advance cancelled', 'cancelled']);
  });

  it('leaves the job unsettled when advancing fails (it is replayed after the lease expires)', async () => {
    const calls: string[] = [];
    const lease = new FlowStepLease(recordingLease(calls), advance(calls, true), false);
    await expect(lease.fail(error)).rejects.toThrow('backend down');
    expect(calls.at(-1)).toBe('advance failed');
  });

  it('offers failWithin only when the inner lease does, advancing first', async () => {
    const calls: string[] = [];
    expect(new FlowStepLease(recordingLease(calls), advance(calls), false).failWithin).toBeUndefined();
    const lease = new FlowStepLease(recordingLease(calls, true), advance(calls), false);
    await lease.failWithin!(error, async () => {});
    expect(calls.slice(1)).toEqual(['advance failed', 'failWithin boom']);
    await lease.heartbeat();
    expect(calls.at(-1)).toBe('heartbeat');
  });
});

describe('decodeFlowSpec', () => {
  it('accepts what compileFlow writes', () => {
    const stored = spec(chainOf(s(1), s()));
    expect(decodeFlowSpec(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });
  it.each<[string, unknown]>([
    ['null', null],
    ['another version', { version: 2, root: s(1) }],
    ['an empty chain', { version: 1, root: { kind: 'chain', steps: [] } }],
    ['a step without job', { version: 1, root: { kind: 'step', task: 't' } }],
    ['a chord without group', { version: 1, root: { kind: 'chord', group: s(1), callback: s() } }],
    ['an unknown kind', { version: 1, root: { kind: 'loop' } }],
  ])('names the problem with %s', (_name, payload) => expect(typeof decodeFlowSpec(payload)).toBe('string'));
});

describe('flowStepJobId', () => {
  const flowId = newJobId(Date.parse('2026-05-01T00:00:00Z'));
  it('is a version 8 UUID carrying the flow id time, the same every time', () => {
    const id = flowStepJobId(flowId, '1.0');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.slice(0, 13)).toBe(flowId.slice(0, 13));
    expect(flowStepJobId(flowId.toUpperCase(), '1.0')).toBe(id);
    expect(flowStepJobId(flowId, '1.1')).not.toBe(id);
    expect(flowStepJobId(newJobId(), '1.0')).not.toBe(id);
  });
  it('refuses a flow id that is not a UUID', () => {
    expect(() => flowStepJobId('flow-1', '0')).toThrow(/UUID/);
  });
});
