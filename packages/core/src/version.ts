/** The version of `@switchyard/core`, read from its package.json (shown in the workers registry). */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `@switchyard/core`'s version. */
export const SWITCHYARD_VERSION: string = (require('../package.json') as { version: string }).version;
