/**
 * The process signals `Worker.stopOnSignals` listens to. Declared here rather than as
 * `NodeJS.Signals` so the published types compile in a project without `@types/node`.
 */
export type ShutdownSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR2' | 'SIGBREAK';
