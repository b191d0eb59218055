export * from './legacy/index.js';
export {
  type MemoryAdapter,
  type MemoryAdapterOptions,
  type MemoryJobRow,
  type MemoryStorage,
  memoryAdapter,
} from './memory-adapter.js';
