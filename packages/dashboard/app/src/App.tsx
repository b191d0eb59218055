/**
 * The shell: signs in (token or session), finds out who the caller is, opens the event
 * stream, and renders the view the location hash names.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApiClient } from './api.ts';
import { ConfirmDialog } from './components/ConfirmDialog.tsx';
import { type Toast, Toasts } from './components/Toasts.tsx';
import type { RuntimeConfig } from './config.ts';
import { AppContext, type AppServices, type ConfirmRequest } from './context.ts';
import { EventHub, type HubStatus } from './event-hub.ts';
import { can } from './permissions.ts';
import { formatRoute, parseRoute, type Route } from './router.ts';
import { applyTheme, storedTheme, storedToken, storeToken, type ThemeChoice } from './session.ts';
import type { Principal } from './types.ts';
import { JobDetail } from './views/JobDetail.tsx';
import { Jobs } from './views/Jobs.tsx';
import { Login } from './views/Login.tsx';
import { Overview } from './views/Overview.tsx';
import { Schedules } from './views/Schedules.tsx';
import { Task } from './views/Task.tsx';
import { Tasks } from './views/Tasks.tsx';
import { Workers } from './views/Workers.tsx';

type AuthState =
  | { kind: 'checking' }
  | { kind: 'login'; reason?: string }
  | { kind: 'refused'; message: string }
  | { kind: 'ready'; principal: Principal };

const NAV: { view: Route['view']; label: string; also?: Route['view'] }[] = [
  { view: 'overview', label: 'Overview' },
  { view: 'jobs', label: 'Jobs', also: 'job' },
  { view: 'workers', label: 'Workers' },
  { view: 'schedules', label: 'Schedules' },
  { view: 'tasks', label: 'Tasks', also: 'task' },
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The app. */
export function App({ config }: { config: RuntimeConfig }) {
  const token = useRef<string | undefined>(config.auth === 'token' ? storedToken() : undefined);
  const [auth, setAuth] = useState<AuthState>({ kind: 'checking' });
  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: config.apiBaseUrl,
        token: () => token.current,
        onUnauthenticated: () => {
          if (config.auth === 'token') {
            token.current = undefined;
            storeToken(undefined);
            setAuth({ kind: 'login', reason: 'Your session ended or the token was revoked. Sign in again.' });
          }
        },
      }),
    [config],
  );
  const hub = useMemo(() => new EventHub(api), [api]);

  const identify = async (): Promise<string | null> => {
    try {
      const principal = await api.me();
      setAuth({ kind: 'ready', principal });
      return null;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // An API without `GET /me`: check the credentials on a read, and show every control
        // (the API still refuses what the role may not do).
        const reason = await api.stats.summary().then(
          () => null,
          (failure: Error) => failure,
        );
        if (reason === null) {
          setAuth({ kind: 'ready', principal: { name: 'unknown', role: 'admin', unverified: true } });
          return null;
        }
        return refusal(reason);
      }
      return refusal(error);
    }
  };

  /** A failed identification: a message for the login form, or a refusal screen. */
  const refusal = (error: unknown): string | null => {
    if (error instanceof ApiError && error.status === 401) {
      if (config.auth === 'token') return 'That token was not accepted.';
      setAuth({
        kind: 'refused',
        message: 'You are not signed in to the application. Sign in, then reload this page.',
      });
      return null;
    }
    setAuth({ kind: 'refused', message: `The API could not be reached: ${(error as Error).message}` });
    return null;
  };

  useEffect(() => {
    if (config.auth === 'token' && !token.current) setAuth({ kind: 'login' });
    else void identify();
  }, [api]);

  useEffect(() => {
    if (auth.kind !== 'ready') return;
    hub.start();
    return () => hub.stop();
  }, [auth.kind, hub]);

  if (auth.kind === 'checking')
    return (
      <main class="login">
        <p class="muted">Loading…</p>
      </main>
    );
  if (auth.kind === 'refused')
    return (
      <main class="login">
        <div class="card">
          <h1>Switchyard</h1>
          <p role="alert">{auth.message}</p>
        </div>
      </main>
    );
  if (auth.kind === 'login') {
    return (
      <Login
        {...(auth.reason ? { reason: auth.reason } : {})}
        onSubmit={async (entered) => {
          token.current = entered;
          const problem = await identify();
          if (problem) token.current = undefined;
          else storeToken(entered);
          return problem;
        }}
      />
    );
  }
  return (
    <Shell
      api={api}
      hub={hub}
      config={config}
      principal={auth.principal}
      onSignOut={
        config.auth === 'token'
          ? () => {
              hub.stop();
              token.current = undefined;
              storeToken(undefined);
              setAuth({ kind: 'login' });
            }
          : undefined
      }
    />
  );
}

function Shell(
  props: Pick<AppServices, 'api' | 'hub' | 'config' | 'principal'> & { onSignOut: (() => void) | undefined },
) {
  const route = useRoute();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [pending, setPending] = useState<
    { request: ConfirmRequest; resolve: (ok: boolean) => void } | undefined
  >(undefined);
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme());
  const [status, setStatus] = useState<HubStatus>(props.hub.status);
  const nextToast = useRef(1);
  useEffect(() => props.hub.onStatus(setStatus), [props.hub]);

  const services = useMemo<AppServices>(
    () => ({
      ...props,
      can: (action) => can(props.principal.role, action),
      notify: (message, kind = 'info') => {
        const id = nextToast.current++;
        setToasts((current) => [...current.slice(-4), { id, message, kind }]);
        if (kind === 'info')
          setTimeout(() => setToasts((current) => current.filter((toast) => toast.id !== id)), 5000);
      },
      confirm: (request) => new Promise((resolve) => setPending({ request, resolve })),
    }),
    [props.api, props.principal],
  );

  const view = (() => {
    switch (route.view) {
      case 'jobs':
        return <Jobs params={route.params} />;
      case 'job':
        return <JobDetail key={route.id} id={route.id!} />;
      case 'workers':
        return <Workers />;
      case 'schedules':
        return <Schedules />;
      case 'tasks':
        return <Tasks />;
      case 'task':
        return <Task key={route.id} name={route.id!} />;
      default:
        return <Overview params={route.params} />;
    }
  })();

  return (
    <AppContext.Provider value={services}>
      <button type="button" class="skip" onClick={() => document.getElementById('content')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={formatRoute('overview')}>
          Switchyard
        </a>
        <nav aria-label="Views" class="views">
          {NAV.map((item) => (
            <a
              key={item.view}
              href={formatRoute(item.view)}
              aria-current={route.view === item.view || route.view === item.also ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div class="session">
          <span class={`live ${status}`} role="status" title="Live updates">
            <span class="dot" aria-hidden="true" />
            {status === 'live' ? 'live' : status === 'off' ? 'offline' : 'connecting'}
          </span>
          <label class="theme">
            <span class="sr-only">Theme</span>
            <select
              value={theme}
              onChange={(event) => {
                const choice = event.currentTarget.value as ThemeChoice;
                setTheme(choice);
                applyTheme(choice);
              }}
            >
              <option value="system">System theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <span class="who" data-role={props.principal.role}>
            {props.principal.name} <span class="badge role">{props.principal.role}</span>
          </span>
          {props.onSignOut ? (
            <button type="button" class="link" onClick={props.onSignOut}>
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      <div id="content" tabIndex={-1} class="content">
        {props.principal.unverified ? (
          <p class="banner warning" role="note">
            This API does not say who you are (it has no <code>GET /me</code>): every control is shown, and
            the API refuses what your role may not do.
          </p>
        ) : null}
        {view}
      </div>
      <Toasts
        toasts={toasts}
        onDismiss={(id) => setToasts((current) => current.filter((toast) => toast.id !== id))}
      />
      {pending ? (
        <ConfirmDialog
          request={pending.request}
          onAnswer={(ok) => {
            pending.resolve(ok);
            setPending(undefined);
          }}
        />
      ) : null}
    </AppContext.Provider>
  );
}
