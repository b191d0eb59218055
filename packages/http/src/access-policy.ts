/**
 * Who may call what: every route of the API with the role it needs and the rate-limit
 * class it counts against, as data. The route files look their entry up by key, so a
 * route cannot be registered without a policy.
 */
import type { Role } from './roles.js';

/** Rate-limit classes: reads, writes, event-stream opens. */
export type RouteClass = 'read' | 'write' | 'events';

/** How one route is guarded. `role: null` means no authentication at all. */
export interface RoutePolicy {
  role: Role | null;
  class: RouteClass;
  /** True for routes that change state (audited). */
  write: boolean;
}

const read = (role: Role | null = 'viewer'): RoutePolicy => ({ role, class: 'read', write: false });
const write = (role: Role): RoutePolicy => ({ role, class: 'write', write: true });

/**
 * The access table. `POST /jobs/{id}/cancel` is `operator` here; cancelling a job that
 * is running needs `admin`, which the route checks once it has read the job's state.
 */
export const ROUTE_POLICIES = {
  'GET /health': read(null),
  'GET /openapi.json': read(null),
  'GET /metrics': read(),
  'GET /me': read(),
  'GET /jobs': read(),
  'GET /jobs/{id}': read(),
  'POST /jobs': write('operator'),
  'POST /jobs/{id}/cancel': write('operator'),
  'POST /jobs/{id}/retry': write('operator'),
  'DELETE /jobs/{id}': write('admin'),
  'POST /jobs/bulk': write('admin'),
  'POST /jobs/clean': write('admin'),
  'GET /stats': read(),
  'GET /stats/history': read(),
  'GET /workers': read(),
  'GET /tasks': read(),
  'GET /queues': read(),
  'POST /queues/{name}/pause': write('admin'),
  'POST /queues/{name}/resume': write('admin'),
  'GET /schedules': read(),
  'POST /schedules/{key}/pause': write('admin'),
  'POST /schedules/{key}/resume': write('admin'),
  'POST /schedules/{key}/trigger': write('operator'),
  'DELETE /schedules/{key}': write('admin'),
  'GET /events': { role: 'viewer', class: 'events', write: false },
} as const satisfies Record<string, RoutePolicy>;

/** The key of a route in {@link ROUTE_POLICIES}: `METHOD /path/{param}`. */
export type RouteKey = keyof typeof ROUTE_POLICIES;

/** The role needed to cancel a job that is already running. */
export const CANCEL_RUNNING_ROLE: Role = 'admin';
