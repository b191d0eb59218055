/**
 * Roles and principals. Three roles, each including the one below it:
 * `viewer` reads, `operator` also enqueues, retries, cancels waiting jobs and triggers
 * schedules, `admin` also cancels running jobs, removes, runs bulk actions and cleans,
 * pauses queues and edits schedules.
 */

/** A role a principal holds. */
export type Role = 'viewer' | 'operator' | 'admin';

/** Every role, weakest first. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** Who made a request, as an authenticator returns it. */
export interface Principal {
  /** Shown in audit lines and used as the rate-limit key. */
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `have` includes the rights of `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/** True for one of the three role names. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** A principal an authenticator may return: a non-empty printable name of at most 200 characters and a known role. */
export function isPrincipal(value: unknown): value is Principal {
  if (typeof value !== 'object' || value === null) return false;
  const { name, role } = value as { name?: unknown; role?: unknown };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return typeof name === 'string' && /^[^\u0000-\u001f\u007f]{1,200}$/.test(name) && isRole(role);
}
