/**
 * `pnpm --filter @switchyard/example-bullmq-migration start`: runs the plain BullMQ producer and
 * the Switchyard worker side by side against REDIS_URL (default redis://127.0.0.1:6379) under a
 * fresh prefix, prints what each side saw, then deletes its keys.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { runMigration } from './run.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `migration-${randomBytes(3).toString('hex')}`;

try {
  const report = await runMigration(redisUrl, prefix);
  console.log('The plain BullMQ producer got back:');
  for (const [id, result] of Object.entries(report.producerResults)) console.log(`  job ${id}:`, result);
  console.log('Switchyard sees the same jobs:');
  for (const job of report.switchyardJobs) console.log(`  ${job.id} ${job.task} ${job.state}`, job.payload);
  console.log('Refused by the task schema:', report.refused);
} finally {
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
