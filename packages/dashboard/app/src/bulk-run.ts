/** Runs one action per selected job, a few at a time, and counts the outcomes. */

/** What a multi-job action did. */
export interface SelectionOutcome {
  done: number;
  failed: { id: string; message: string }[];
}

/** Calls `action` for every id with at most `concurrency` in flight. */
export async function runForEach(
  ids: string[],
  action: (id: string) => Promise<unknown>,
  concurrency = 8,
): Promise<SelectionOutcome> {
  const outcome: SelectionOutcome = { done: 0, failed: [] };
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        await action(id);
        outcome.done += 1;
      } catch (error) {
        outcome.failed.push({ id, message: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
  return outcome;
}
