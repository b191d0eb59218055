import { runConformanceSuite } from '../../src/index.js';
runConformanceSuite({ name: 'mutant', adapterModule: new URL('./mutant-module.ts', import.meta.url).href });
