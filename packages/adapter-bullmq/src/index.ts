export { bullmqAdapter } from './adapter.js';
export type { ForeignJob, ForeignJobMapping, ForeignJobsOption } from './foreign-jobs.js';
export { CANCELLED_REASON } from './keys.js';
export type { BullmqAdapterOptions } from './options.js';
