export { bullmqAdapter } from './adapter.js';
export type { BullmqAdapterOptions } from './options.js';
