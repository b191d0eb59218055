/** The handler of `opsTask`, shared by tests and the ops child process. */
import type { JobContext } from '@switchyard/core';

/** Reports progress `n`, fails while `attempt <= failTimes`, then returns `{ n }`. */
export async function opsHandler(
  payload: { n: number; failTimes?: number },
  ctx: JobContext,
): Promise<{ n: number }> {
  await ctx.progress(payload.n);
  if (ctx.attempt <= (payload.failTimes ?? 0)) throw new Error(`planned failure ${ctx.attempt}`);
  return { n: payload.n };
}
