import { describe } from 'vitest';
import mod from './conformance-adapter.js';
import { registerEnqueueValidation } from '../../conformance/src/groups/enqueue-validation.js';
import { registerStateMachine } from '../../conformance/src/groups/state-machine.js';
import { registerOrderingPriority } from '../../conformance/src/groups/ordering-priority.js';
import { registerDelay } from '../../conformance/src/groups/delay.js';
import { registerRetries } from '../../conformance/src/groups/retries.js';
import { registerTimeouts } from '../../conformance/src/groups/timeouts.js';
import { registerCancellation } from '../../conformance/src/groups/cancellation.js';
import { registerUniqueness } from '../../conformance/src/groups/uniqueness.js';
import { registerResultsProgress } from '../../conformance/src/groups/results-progress.js';
import { registerQueries } from '../../conformance/src/groups/queries.js';
import { registerPauseResume } from '../../conformance/src/groups/pause-resume.js';
import { registerSchedules } from '../../conformance/src/groups/schedules.js';

const probe = mod.createAdapter({ prefix: 'syprobe' });
const env = {
  name: 'pgboss',
  moduleUrl: new URL('./conformance-adapter.ts', import.meta.url).href,
  module: mod,
  capabilities: { ...probe.capabilities },
  ms: (v: number) => v,
};
const groups = [registerEnqueueValidation, registerStateMachine, registerOrderingPriority, registerDelay, registerRetries, registerTimeouts, registerCancellation, registerUniqueness, registerResultsProgress, registerQueries, registerPauseResume, registerSchedules];
const only = process.env.GROUPS?.split(',');
describe('scratch', () => {
  for (const g of groups) if (!only || only.some((o) => g.name.toLowerCase().includes(o))) g(env as never);
});
