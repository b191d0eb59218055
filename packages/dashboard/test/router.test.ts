import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute } from '../app/src/router.ts';

describe('parseRoute', () => {
  it.each([
    ['', 'overview', undefined, ''],
    ['#/', 'overview', undefined, ''],
    ['#/?range=day', 'overview', undefined, 'range=day'],
    ['#/jobs', 'jobs', undefined, ''],
    ['#/jobs?state=failed&queue=email', 'jobs', undefined, 'state=failed&queue=email'],
    ['#/jobs/01abc', 'job', '01abc', ''],
    ['#/jobs/a%2Fb', 'job', 'a/b', ''],
    ['#/workers', 'workers', undefined, ''],
    ['#/schedules', 'schedules', undefined, ''],
    ['#/tasks', 'tasks', undefined, ''],
    ['#/tasks/send-email', 'task', 'send-email', ''],
    ['#/nowhere', 'overview', undefined, ''],
    ['#/jobs/%E0%A4%A', 'overview', undefined, ''],
    ['#/workers/x/y', 'overview', undefined, ''],
  ])('%s → %s', (hash, view, id, params) => {
    const route = parseRoute(hash);
    expect(route.view).toBe(view);
    expect(route.id).toBe(id);
    expect(route.params.toString()).toBe(params);
  });
});

describe('formatRoute', () => {
  it('round-trips through parseRoute', () => {
    for (const [view, id, params] of [
      ['overview', undefined, { range: 'week' }],
      ['jobs', undefined, { state: 'failed,retrying', 'meta.tenant': 'acme & co' }],
      ['job', 'id/with?odd#chars', {}],
      ['task', 'send-email', {}],
    ] as const) {
      const hash = formatRoute(view, { ...(id ? { id } : {}), params });
      const route = parseRoute(hash);
      expect(route.view).toBe(view);
      expect(route.id).toBe(id);
      expect(Object.fromEntries(route.params)).toEqual(params);
    }
  });

  it('leaves out empty parameters', () => {
    expect(formatRoute('jobs', { params: { state: '', queue: undefined, task: 'x' } })).toBe('#/jobs?task=x');
  });
});
