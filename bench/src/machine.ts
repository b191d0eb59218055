/** What the numbers were measured on: hardware, runtime and package versions. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine and software a run measured. */
export interface MachineInfo {
  cpus: { count: number; model: string; speedMHz: number };
  memoryGiB: number;
  platform: string;
  kernel: string;
  node: string;
  v8: string;
  packages: Record<string, string>;
}

/** Packages whose version changes the numbers; missing ones are reported as such. */
const MEASURED_PACKAGES = [
  '@switchyard/core',
  '@switchyard/adapter-memory',
  '@switchyard/adapter-bullmq',
  '@switchyard/adapter-pgboss',
  '@switchyard/adapter-sqs',
  'p-queue',
  'fastq',
  'bullmq',
  'ioredis',
  'pg-boss',
  'graphile-worker',
  'pg',
  'sqs-consumer',
  '@aws-sdk/client-sqs',
  'fauxqs',
];

/** The version in `bench/node_modules/<name>/package.json`, or 'not installed'. */
export function packageVersion(name: string): string {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'not installed';
    throw error;
  }
}

/** Describes this machine and the versions in use. */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  const packages: Record<string, string> = {};
  for (const name of MEASURED_PACKAGES) packages[name] = packageVersion(name);
  return {
    cpus: { count: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown', speedMHz: cpus[0]?.speed ?? 0 },
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    packages,
  };
}
