/**
 * `@switchyard/dashboard`: the built single-page app. It imports nothing of Switchyard at
 * run time; `@switchyard/http` serves the files in `dashboardAssetsDir` at a mount path
 * (`createApi(yard, { dashboard: { path: '/admin/jobs' } })`) and the app speaks to the API.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of the built app (`index.html` and `assets/`), for `@switchyard/http`'s `dashboard.assetsDir`. */
export const dashboardAssetsDir: string = fileURLToPath(new URL('../dist/app', import.meta.url));
