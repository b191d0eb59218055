/**
 * How a throughput-history cell is spread over the fields of a hash (one hash per minute or
 * hour bucket, so recording is a series of HINCRBYs), and gathered back (pure).
 * Field: `<queue>|<task>|<slot>`, where slot is `c` (completed), `f` (failed), `r` (retried)
 * or the index of a duration bucket. Queue and task names cannot contain `|`.
 */
import { emptyDurations, type HistoryCell } from '@switchyard/core';

const SEPARATOR = '|';

/** The non-zero counts of a cell as (field, increment) pairs. */
export function cellIncrements(cell: HistoryCell): Array<[string, number]> {
  const prefix = `${cell.queue}${SEPARATOR}${cell.task}${SEPARATOR}`;
  const out: Array<[string, number]> = [];
  if (cell.completed !== 0) out.push([`${prefix}c`, cell.completed]);
  if (cell.failed !== 0) out.push([`${prefix}f`, cell.failed]);
  if (cell.retried !== 0) out.push([`${prefix}r`, cell.retried]);
  cell.durations.forEach((count, index) => {
    if (count !== 0) out.push([`${prefix}${index}`, count]);
  });
  return out;
}

/**
 * The cells of one bucket from its hash (a flat `field, value, ...` list as HGETALL returns it
 * from Lua). Fields that do not parse are ignored (nothing else writes these hashes).
 */
export function cellsFromFields(at: number, flat: string[]): HistoryCell[] {
  const cells = new Map<string, HistoryCell>();
  const slots = emptyDurations().length;
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const field = flat[index]!;
    const count = Number(flat[index + 1]);
    const slotAt = field.lastIndexOf(SEPARATOR);
    const taskAt = field.lastIndexOf(SEPARATOR, slotAt - 1);
    if (taskAt <= 0 || !Number.isFinite(count)) continue;
    const slot = slotOf(field.slice(slotAt + 1), slots);
    if (slot === null) continue;
    const key = field.slice(0, slotAt);
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = {
        at,
        queue: field.slice(0, taskAt),
        task: field.slice(taskAt + 1, slotAt),
        completed: 0,
        failed: 0,
        retried: 0,
        durations: emptyDurations(),
      };
      cells.set(key, cell);
    }
    if (slot === 'c') cell.completed += count;
    else if (slot === 'f') cell.failed += count;
    else if (slot === 'r') cell.retried += count;
    else cell.durations[slot]! += count;
  }
  return [...cells.values()];
}

/** A field's slot: a counter letter or a duration bucket index; null when it is neither. */
function slotOf(text: string, slots: number): 'c' | 'f' | 'r' | number | null {
  if (text === 'c' || text === 'f' || text === 'r') return text;
  const bucket = Number(text);
  return text !== '' && Number.isInteger(bucket) && bucket >= 0 && bucket < slots ? bucket : null;
}
