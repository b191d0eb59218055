export { ROUTE_POLICIES, type RouteClass, type RouteKey, type RoutePolicy } from './access-policy.js';
export type { AuthContext, Authenticator, AuthOption } from './authenticate.js';
export { type CreateApiOptions, createApi, type SwitchyardApi } from './create-api.js';
export {
  DASHBOARD_CONFIG_GLOBAL,
  type DashboardOptions,
  type DashboardRuntimeConfig,
  injectRuntimeConfig,
} from './dashboard.js';
export { type ApiOptions, DEFAULT_BODY_LIMIT, type MetricsSource } from './options.js';
export { CORE_ERROR_STATUS, type HttpErrorCode, type Problem, type ProblemCode } from './problem.js';
export {
  DEFAULT_RATE_POLICIES,
  type LimitedClass,
  type RateLimitOptions,
  type RatePolicy,
} from './rate-limit.js';
export { REDACTED, type RedactOption } from './redact.js';
export { isRole, type Principal, ROLES, type Role, roleAllows } from './roles.js';
export {
  type FastifyLike,
  fastifyPlugin,
  type NodeHandler,
  type ServeApiOptions,
  type ServedApi,
  serveApi,
  toNodeHandler,
} from './serve.js';
export { bearerTokens, hashToken, newToken, type TokenEntry } from './tokens.js';
export { SWITCHYARD_HTTP_VERSION } from './version.js';
export type * from './wire.js';
