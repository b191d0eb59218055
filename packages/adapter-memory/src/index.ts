export {
  type MemoryAdapter,
  type MemoryAdapterOptions,
  type MemoryJobRow,
  type MemoryStorage,
  memoryAdapter,
} from './memory-adapter.js';
