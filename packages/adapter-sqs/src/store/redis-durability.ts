/**
 * Whether the Redis behind the store keeps what it is given. The store is the source of truth
 * (SQS only rings), so a Redis that does not persist loses every job on restart, and one that
 * evicts keys under memory pressure drops job records silently. The adapter reads the settings
 * at `start()` (CONFIG GET, never CONFIG SET) and warns; see "Recommended Redis settings" in
 * docs/adapters/sqs.md.
 */
import type { Redis } from 'ioredis';

/** The settings read, by name; null when Redis refused CONFIG GET (managed services often do). */
export type RedisDurabilitySettings = Partial<
  Record<'appendonly' | 'save' | 'maxmemory-policy', string>
> | null;

const DOCS = 'see "Recommended Redis settings" in docs/adapters/sqs.md';

/** The warnings the settings call for (pure); empty when Redis persists and never evicts. */
export function redisDurabilityWarnings(settings: RedisDurabilitySettings): string[] {
  if (settings === null) {
    return [
      `sqs: could not read the Redis configuration (CONFIG GET refused): make sure the job-state store's Redis persists (appendonly yes) and never evicts (maxmemory-policy noeviction); ${DOCS}`,
    ];
  }
  const warnings: string[] = [];
  if (settings.appendonly === 'no' && (settings.save ?? '').trim() === '') {
    warnings.push(
      `sqs: the job-state store's Redis runs without persistence (appendonly no, save ""): a Redis restart loses every job; turn on AOF (appendonly yes, appendfsync everysec); ${DOCS}`,
    );
  }
  const policy = settings['maxmemory-policy'];
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push(
      `sqs: the job-state store's Redis evicts keys under memory pressure (maxmemory-policy ${policy}): it can drop job records silently; use maxmemory-policy noeviction; ${DOCS}`,
    );
  }
  return warnings;
}

/** Reads the settings that decide durability (one pipeline of CONFIG GET); null when refused. */
export async function readRedisDurability(redis: Redis): Promise<RedisDurabilitySettings> {
  const names = ['appendonly', 'save', 'maxmemory-policy'] as const;
  const pipeline = redis.pipeline();
  for (const name of names) pipeline.config('GET', name);
  const replies = (await pipeline.exec()) ?? [];
  const settings: NonNullable<RedisDurabilitySettings> = {};
  for (const [index, [error, reply]] of replies.entries()) {
    // Refused (no permission, a renamed or disabled CONFIG command): durability cannot be judged.
    if (error) return null;
    const [, value] = reply as [string, string];
    if (value !== undefined) settings[names[index]!] = value;
  }
  return settings;
}
