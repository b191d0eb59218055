/** Runs the resident-memory measurement in a clean child process and reads its result. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Sample } from '../section.ts';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./memory-rss-child.ts', import.meta.url));

/** Spawns `node --expose-gc memory-rss-child.ts <contender> <jobs>` and returns its figures. */
export async function measureRssInChild(contender: string, jobs: number): Promise<Sample> {
  const { stdout } = await run(process.execPath, ['--expose-gc', CHILD, contender, String(jobs)], {
    maxBuffer: 1024 * 1024,
  });
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  const parsed = JSON.parse(lastLine) as Sample;
  if (typeof parsed.rssMiB !== 'number') throw new Error(`RSS child for ${contender} printed ${lastLine}`);
  return parsed;
}
