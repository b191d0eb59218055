/** What every view gets from the app: the API, who is logged in, and the shared UI services. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api.ts';
import type { RuntimeConfig } from './config.ts';
import type { EventHub } from './event-hub.ts';
import type { Action } from './permissions.ts';
import type { Principal } from './types.ts';

/** A confirmation request for a destructive action. */
export interface ConfirmRequest {
  title: string;
  body: string;
  /** Label of the confirming button, e.g. "Cancel 100 jobs". */
  confirmLabel: string;
  danger?: boolean;
}

/** The app's services. */
export interface AppServices {
  api: ApiClient;
  hub: EventHub;
  config: RuntimeConfig;
  principal: Principal;
  /** True when the principal's role allows the action. */
  can(action: Action): boolean;
  /** Shows a short message (errors stay until dismissed). */
  notify(message: string, kind?: 'info' | 'error'): void;
  /** Asks before a destructive action; resolves true when confirmed. */
  confirm(request: ConfirmRequest): Promise<boolean>;
}

/** The context holding the services. */
export const AppContext = createContext<AppServices | null>(null);

/** The app's services (inside the app). */
export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp outside the app');
  return services;
}
