/**
 * Hash routing: `#/jobs?state=failed&queue=email`. The hash never reaches the server, so
 * every view and filter has a deep link whatever path the dashboard is mounted under.
 */

/** The views. */
export type View = 'overview' | 'jobs' | 'job' | 'workers' | 'schedules' | 'tasks' | 'task';

/** A parsed location. */
export interface Route {
  view: View;
  /** The job id of `job`, the task name of `task`. */
  id?: string;
  /** Query parameters (filters), in the order given. */
  params: URLSearchParams;
}

const LIST_VIEWS: Record<string, View> = {
  '': 'overview',
  jobs: 'jobs',
  workers: 'workers',
  schedules: 'schedules',
  tasks: 'tasks',
};
const ITEM_VIEWS: Record<string, View> = { jobs: 'job', tasks: 'task' };

/** Parses a location hash (`#/jobs/abc?x=1`); anything unknown is the overview (pure). */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const question = text.indexOf('?');
  const path = question === -1 ? text : text.slice(0, question);
  const params = new URLSearchParams(question === -1 ? '' : text.slice(question + 1));
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.length === 2 && ITEM_VIEWS[segments[0]!]) {
    let id: string;
    try {
      id = decodeURIComponent(segments[1]!);
    } catch {
      return { view: 'overview', params: new URLSearchParams() };
    }
    return { view: ITEM_VIEWS[segments[0]!]!, id, params };
  }
  if (segments.length <= 1) {
    const view = LIST_VIEWS[segments[0] ?? ''];
    if (view) return { view, params };
  }
  return { view: 'overview', params: new URLSearchParams() };
}

/** The hash of a route (pure); empty parameters are left out. */
export function formatRoute(
  view: View,
  options: { id?: string; params?: Record<string, string | undefined> | URLSearchParams } = {},
): string {
  const path =
    view === 'overview'
      ? '/'
      : view === 'job'
        ? `/jobs/${encodeURIComponent(options.id ?? '')}`
        : view === 'task'
          ? `/tasks/${encodeURIComponent(options.id ?? '')}`
          : `/${view}`;
  const search = new URLSearchParams();
  const entries =
    options.params instanceof URLSearchParams
      ? [...options.params.entries()]
      : Object.entries(options.params ?? {});
  for (const [key, value] of entries) if (value !== undefined && value !== '') search.append(key, value);
  const query = search.toString();
  return `#${path}${query ? `?${query}` : ''}`;
}

/** Link to the jobs view with filters. */
export const jobsLink = (params: Record<string, string | undefined> = {}): string =>
  formatRoute('jobs', { params });
/** Link to one job. */
export const jobLink = (id: string): string => formatRoute('job', { id });
