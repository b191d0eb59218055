/** A yard whose `subscribe` calls are counted, to wait for an event stream to be live or gone. */
import type { ClusterEventListener, SubscribeOptions, Switchyard } from '@switchyard/core';

/** The yard, with the number of subscriptions open through it right now. */
export function countingSubscriptions(yard: Switchyard): { yard: Switchyard; active: () => number } {
  let active = 0;
  const proxy = new Proxy(yard, {
    get(target, property, receiver) {
      if (property !== 'subscribe') return Reflect.get(target, property, receiver);
      return async (listener: ClusterEventListener, options?: SubscribeOptions) => {
        const unsubscribe = await target.subscribe(listener, options);
        active++;
        return async () => {
          active--;
          await unsubscribe();
        };
      };
    },
  });
  return { yard: proxy, active: () => active };
}
