/** The no-op task the scale-out section enqueues and its worker processes run. */
import { defineTask } from '@switchyard/core';

export const scaleOutTask = defineTask({
  name: 'bench-scale-out',
  queue: 'scale-out',
  retry: { attempts: 1 },
});
