/** Entry: theme first (no flash), then the runtime config, then the app. */
import { render } from 'preact';
import { App } from './App.tsx';
import { loadRuntimeConfig } from './config.ts';
import { applyTheme, storedTheme } from './session.ts';
import './styles.css';

applyTheme(storedTheme());
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(storedTheme()));
const config = await loadRuntimeConfig();
render(<App config={config} />, document.getElementById('app')!);
