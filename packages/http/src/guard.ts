/**
 * The middleware in front of every route: the audit line for writes, then
 * authentication, the role check and the rate limit, all before the request is parsed
 * or validated (an unauthenticated caller learns nothing about the route's input).
 */
import type { MiddlewareHandler } from 'hono';
import { ROUTE_POLICIES, type RouteKey } from './access-policy.js';
import { problem, problemResponse } from './problem.js';
import type { RateVerdict } from './rate-limit.js';
import { isPrincipal, type Principal, roleAllows } from './roles.js';
import type { ApiEnv, ApiRuntime } from './runtime.js';

/** The address of the client when the API runs on Node, for the failed-authentication limit. */
function clientAddress(env: ApiEnv['Bindings'] | undefined): string {
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

function limited(runtime: ApiRuntime, verdict: RateVerdict, what: string): Response | undefined {
  if (verdict.ok === true) return undefined;
  if (verdict.ok === 'error') {
    // Failing closed: an admin API with a broken limiter store refuses rather than runs unlimited.
    runtime.logger.error({ err: verdict.error, limiter: what }, 'switchyard http: rate limiter store failed');
    return problemResponse(
      problem(503, 'RATE_LIMITER_UNAVAILABLE', 'the rate limiter is unavailable; try again later'),
    );
  }
  return problemResponse(
    problem(429, 'RATE_LIMITED', `too many requests; retry in ${verdict.retryAfterSeconds} s`, {
      retryAfter: verdict.retryAfterSeconds,
    }),
    { 'retry-after': String(verdict.retryAfterSeconds) },
  );
}

/** Writes one audit line per write request, whatever its outcome. */
export function audit(runtime: ApiRuntime, key: RouteKey): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    c.set('routeKey', key);
    await next();
    if (!ROUTE_POLICIES[key].write) return;
    const status = c.res.status;
    const principal = c.get('principal') as Principal | undefined;
    const target = (c.get('auditTarget') as ApiEnv['Variables']['auditTarget'] | undefined) ?? {};
    const jobId = target.jobId ?? c.req.param('id');
    runtime.logger.info(
      {
        audit: true,
        principal: principal?.name ?? null,
        role: principal?.role ?? null,
        route: key,
        path: new URL(c.req.url).pathname,
        ...(jobId !== undefined ? { jobId } : {}),
        ...((target.queue ?? c.req.param('name')) ? { queue: target.queue ?? c.req.param('name') } : {}),
        ...((target.scheduleKey ?? c.req.param('key'))
          ? { scheduleKey: target.scheduleKey ?? c.req.param('key') }
          : {}),
        status,
        outcome:
          status < 400 ? 'ok' : status === 401 || status === 403 || status === 429 ? 'denied' : 'failed',
      },
      `switchyard http: ${key} → ${status}`,
    );
  };
}

/** Authenticates, checks the role and spends a rate-limit point. */
export function guard(runtime: ApiRuntime, key: RouteKey): MiddlewareHandler<ApiEnv> {
  const policy = ROUTE_POLICIES[key];
  const open = policy.role === null || (key === 'GET /metrics' && runtime.publicMetrics);
  return async (c, next) => {
    if (open) return next();
    const { limits } = runtime;
    const address = clientAddress(c.env);
    if (limits) {
      const blocked = limited(runtime, await limits.authBlocked(address), 'unauthenticated');
      if (blocked) return blocked;
    }
    let principal: unknown;
    try {
      const incoming = c.env?.incoming;
      const outgoing = c.env?.outgoing;
      principal = await runtime.authenticator.authenticate(
        c.req.raw,
        incoming && outgoing ? { node: { req: incoming, res: outgoing } } : {},
      );
    } catch (error) {
      runtime.logger.error({ err: error, route: key }, 'switchyard http: authenticate threw');
      return problemResponse(problem(500, 'INTERNAL', 'the server could not complete the request'));
    }
    if (principal === null || principal === undefined) {
      if (limits) {
        const spent = limited(runtime, await limits.consume('unauthenticated', address), 'unauthenticated');
        if (spent) return spent;
      }
      return problemResponse(problem(401, 'UNAUTHENTICATED', 'valid credentials are required'), {
        'www-authenticate': 'Bearer realm="switchyard"',
      });
    }
    if (!isPrincipal(principal)) {
      runtime.logger.error(
        { route: key },
        'switchyard http: authenticate returned something that is not { name, role }',
      );
      return problemResponse(problem(500, 'INTERNAL', 'the server could not complete the request'));
    }
    c.set('principal', principal);
    if (!roleAllows(principal.role, policy.role!)) {
      return problemResponse(problem(403, 'FORBIDDEN', `${key} needs the ${policy.role} role`));
    }
    if (limits) {
      const spent = limited(runtime, await limits.consume(policy.class, principal.name), policy.class);
      if (spent) return spent;
    }
    return next();
  };
}
