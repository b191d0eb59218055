/** The memory adapter's workers registry: entries in a map, expired ones dropped when listed. */
import type { WorkerRegistry } from '@switchyard/core';

export class InProcessWorkerRegistry implements WorkerRegistry {
  private readonly entries = new Map<string, { data: string; expiresAt: number }>();

  async put(id: string, data: string, expiresAt: Date): Promise<void> {
    this.entries.set(id, { data, expiresAt: expiresAt.getTime() });
  }

  async remove(id: string): Promise<void> {
    this.entries.delete(id);
  }

  async list(now: Date): Promise<string[]> {
    const live: string[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now.getTime()) live.push(entry.data);
      else this.entries.delete(id);
    }
    return live;
  }
}
