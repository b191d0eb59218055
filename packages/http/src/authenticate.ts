/**
 * Authentication: who is calling. Either the built-in `bearerTokens`, or the app's own
 * `authenticate(request, context)` (sessions, JWT, an API gateway's header), or
 * `'none'`, which makes every caller an admin and must be asked for by name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidOptionsError } from '@switchyard/core';
import type { Principal } from './roles.js';

/** What an authenticator sees besides the web `Request`. */
export interface AuthContext {
  /**
   * The Node request and response when the API runs on Node (standalone, Express, Fastify),
   * e.g. to read `node.req.session` set by the app's session middleware.
   */
  node?: { req: IncomingMessage; res: ServerResponse };
}

/** Decides who made a request: a principal, or null for "not authenticated" (401). */
export interface Authenticator {
  authenticate(request: Request, context: AuthContext): Principal | null | Promise<Principal | null>;
  /**
   * How the dashboard logs in: `'token'` (it asks for a bearer token) or `'session'`
   * (the browser already carries the app's session cookie). Default `'session'`.
   */
  kind?: 'token' | 'session';
}

/** The `auth` option: an authenticator, or `'none'` to turn authentication off. */
export type AuthOption = Authenticator | 'none';

/** The authenticator `createApi` uses, and whether it is the open `'none'` mode. */
export interface ResolvedAuth {
  authenticator: Authenticator;
  open: boolean;
}

const EVERYONE_IS_ADMIN: Authenticator = {
  kind: 'session',
  authenticate: () => ({ name: 'anonymous', role: 'admin' }),
};

/** Checks the `auth` option; a missing one is an error, because the API is closed by default. */
export function resolveAuth(option: unknown): ResolvedAuth {
  if (option === 'none') return { authenticator: EVERYONE_IS_ADMIN, open: true };
  if (option === undefined || option === null) {
    throw new InvalidOptionsError(
      "createApi needs an `auth` option: bearerTokens([...]), { authenticate(request) }, or 'none' to serve without authentication",
    );
  }
  if (typeof option !== 'object' || typeof (option as Authenticator).authenticate !== 'function') {
    throw new InvalidOptionsError(
      "auth must be bearerTokens([...]), an object with authenticate(request), or 'none'",
    );
  }
  return { authenticator: option as Authenticator, open: false };
}
