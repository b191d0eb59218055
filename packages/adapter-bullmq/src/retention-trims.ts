/**
 * The retention of batched completions, off their path: when a batch finds completed jobs past
 * the retention age, BullMQ removes them (`Queue.clean`, as its own completion would) while the
 * batch's jobs are already handed back, so a worker's slots never wait on the removal. One
 * removal runs per queue at a time; what batches ask meanwhile is done by one more run, with the
 * smallest age asked.
 */
export class RetentionTrims {
  private readonly running = new Map<string, Promise<void>>();
  /** Per queue, the smallest age asked while a removal ran. */
  private readonly asked = new Map<string, number>();

  constructor(private readonly remove: (queue: string, ageSec: number) => Promise<void>) {}

  /** Removes the completed jobs of `queue` older than `ageSec`, now or after the removal under way. */
  request(queue: string, ageSec: number): void {
    if (this.running.has(queue)) {
      this.asked.set(queue, Math.min(ageSec, this.asked.get(queue) ?? ageSec));
      return;
    }
    const run = this.remove(queue, ageSec).then(() => {
      this.running.delete(queue);
      const again = this.asked.get(queue);
      this.asked.delete(queue);
      if (again !== undefined) this.request(queue, again);
    });
    this.running.set(queue, run);
  }

  /** Resolves once no removal runs (`remove` must not reject). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }
}
