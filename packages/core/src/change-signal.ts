/**
 * The wake-up of a wait loop (`jobs.waitFor`, `flows.waitFor`): `notify()` marks that
 * something may have changed and cuts a pending `sleep` short. A loop clears `changed`
 * before it reads, so a change between the read and the sleep is not missed.
 */
export class ChangeSignal {
  changed = false;
  #wake: (() => void) | undefined;

  /** An arrow, so it can be passed as a listener. */
  readonly notify = (): void => {
    this.changed = true;
    this.#wake?.();
  };

  /** Resolves after `ms`, or at the next `notify()`. */
  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }
}
