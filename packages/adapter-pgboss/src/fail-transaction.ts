/**
 * Failing a job and running `onFailed` in one transaction (`Lease.failWithin`): the guarded
 * fail UPDATE, then the hook with the transaction's client as `tx`, then COMMIT. The hook's
 * writes (an insert, a `yard.enqueue(..., { tx })`) become visible exactly when the failure does.
 */
import type { Database } from './database.js';
import { leaseHeld } from './lease-guard.js';
import type { LeaseKey } from './settle.js';

/** Thrown through the transaction when the hook threw, so the rollback can tell it from a database error. */
class HookThrew extends Error {
  constructor(readonly thrown: unknown) {
    super('onFailed threw');
  }
}

/**
 * Runs the fail UPDATE (`values`: finished time, serialized error) and `hook` in one
 * transaction. When the hook throws, the transaction rolls back and `failAlone` marks the
 * job failed without the hook's writes; the hook's error is not rethrown (core logged it).
 * When the lease is lost (no row matched), the transaction ends without calling the hook.
 */
export async function failInTransaction(
  db: Database,
  schema: string,
  key: LeaseKey,
  values: [Date, string],
  hook: (tx: unknown) => Promise<void>,
  failAlone: () => Promise<void>,
): Promise<void> {
  try {
    await db.transaction('fail (with onFailed)', async (client) => {
      const updated = await client.query(
        `UPDATE ${schema}.job j
            SET state = 'failed', completed_on = $4, sy_error = $5,
                sy_lease_token = NULL, sy_lease_expires_at = NULL, sy_redelivered = false
          WHERE ${leaseHeld('j', '$1', '$2', '$3')}`,
        [key.queue, key.id, key.token, ...values],
      );
      if (updated.rowCount === 0) return;
      try {
        await hook(client);
      } catch (error) {
        throw new HookThrew(error);
      }
    });
  } catch (error) {
    if (!hookThrew(error)) throw error;
    await failAlone();
  }
}

/** True when `error` (as `Database.transaction` wraps it) came from the hook. */
function hookThrew(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof HookThrew) return true;
  }
  return false;
}
