/** Every script of the operations contract, registered on the adapter's client by `Scripts`. */
import { BULK_JOBS } from './bulk.js';
import { READ_HISTORY } from './history.js';
import { SWEEP_INDEX } from './index-sweep.js';
import { QUEUE_STATS } from './queue-stats.js';
import { SEARCH_JOBS } from './search.js';
import { LIST_WORKERS, PUT_WORKER, REMOVE_WORKER } from './workers.js';

export const OPERATION_SCRIPTS = {
  sySearchJobs: { numberOfKeys: 1, lua: SEARCH_JOBS },
  syBulkJobs: { numberOfKeys: 1, lua: BULK_JOBS },
  syQueueStats: { numberOfKeys: 1, lua: QUEUE_STATS },
  syReadHistory: { numberOfKeys: 1, lua: READ_HISTORY },
  sySweepIndex: { numberOfKeys: 1, lua: SWEEP_INDEX },
  syPutWorker: { numberOfKeys: 1, lua: PUT_WORKER },
  syRemoveWorker: { numberOfKeys: 1, lua: REMOVE_WORKER },
  syListWorkers: { numberOfKeys: 1, lua: LIST_WORKERS },
} as const;

/** Name of an operations script. */
export type OperationScriptName = keyof typeof OPERATION_SCRIPTS;
