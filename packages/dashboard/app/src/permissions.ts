/**
 * What each role may do, as the API's access table says (`@switchyard/http` ROUTE_POLICIES).
 * The UI hides what a role may not do; the API refuses it anyway.
 */
import type { Role } from './types.ts';

/** The dashboard's write actions. */
export type Action =
  | 'enqueue'
  | 'retry'
  | 'cancelWaiting'
  | 'cancelRunning'
  | 'remove'
  | 'bulk'
  | 'pauseQueue'
  | 'triggerSchedule'
  | 'editSchedule';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** The weakest role allowed to do each action. */
export const ACTION_ROLES: Record<Action, Role> = {
  enqueue: 'operator',
  retry: 'operator',
  cancelWaiting: 'operator',
  cancelRunning: 'admin',
  remove: 'admin',
  bulk: 'admin',
  pauseQueue: 'admin',
  triggerSchedule: 'operator',
  editSchedule: 'admin',
};

/** True when `role` may do `action` (pure). */
export function can(role: Role | undefined, action: Action): boolean {
  return role !== undefined && RANK[role] >= RANK[ACTION_ROLES[action]];
}
