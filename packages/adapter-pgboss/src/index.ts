/** @switchyard/adapter-pgboss: Switchyard on pg-boss 12 (PostgreSQL). */
export { PGBOSS_CAPABILITIES, pgBossAdapter } from './adapter.js';
export type { SqlExecutor } from './database.js';
export type { ForeignJob, ForeignJobMapping, ForeignJobsOption, PgBossForeignRow } from './foreign-jobs.js';
export { channelFor, eventsChannelFor } from './notify.js';
export type { PgBossAdapterOptions } from './options.js';
export { SWITCHYARD_SCHEMA_VERSION } from './schema.js';
