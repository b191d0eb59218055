/** The token login: the token is checked against the API, then kept in session storage. */
import { useState } from 'preact/hooks';

/** Asks for a bearer token; `onSubmit` resolves with an error message or null on success. */
export function Login({
  onSubmit,
  reason,
}: {
  onSubmit: (token: string) => Promise<string | null>;
  reason?: string;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(reason ?? null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <form
        class="card"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(await onSubmit(token.trim()));
          setBusy(false);
        }}
      >
        <h1>Switchyard</h1>
        <p class="muted">Sign in with an API token. It is kept in this tab only (session storage).</p>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        {error ? (
          <p class="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
