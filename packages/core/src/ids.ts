/**
 * Job ids. Core assigns them so one job has one id on every backend. They are
 * UUIDs (a Postgres `uuid` column accepts them) that sort by creation time.
 */
import { createHash, getRandomValues } from 'node:crypto';
import { InvalidOptionsError } from './errors.js';

/** Two lowercase hex digits for every byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Random bytes drawn from one `getRandomValues` call per pool, far cheaper than one call per id. */
const POOL_SIZE = 16 * 1024;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

function takeRandom(count: number): number {
  if (poolOffset + count > POOL_SIZE) {
    getRandomValues(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += count;
  return start;
}

/** Largest timestamp that fits in 48 bits. */
const MAX_TIMESTAMP = 2 ** 48 - 1;

/**
 * The counter spans the 12 bits of rand_a and the top 14 bits of rand_b
 * (RFC 9562 §6.2, method 1). It is seeded randomly below 2^25 on each new
 * millisecond, so at least 2^25 ids fit in one millisecond before it overflows.
 */
const COUNTER_BITS = 26;
const COUNTER_MAX = 2 ** COUNTER_BITS - 1;
let lastMs = -1;
let counter = 0;

/**
 * A UUID v7 (RFC 9562): 48-bit ms timestamp from `now` (default `Date.now()`), version 7,
 * variant `10`, then a counter that increments within one millisecond followed by random
 * bits, so ids created in one process sort (as strings) in creation order.
 */
export function newJobId(now: number = Date.now()): string {
  if (!Number.isInteger(now) || now < 0 || now > MAX_TIMESTAMP) {
    throw new InvalidOptionsError(`job id timestamp must be an integer ms in [0, 2^48); got ${now}`);
  }
  if (now === lastMs) {
    counter++;
    // Overflow needs 2^25 ids in one ms; borrow the next millisecond so order still holds.
    if (counter > COUNTER_MAX) {
      lastMs++;
      counter = 0;
    }
  } else {
    // A new millisecond (or a clock that stepped back, or an injected clock): start from `now`.
    lastMs = now;
    const seed = takeRandom(4);
    counter =
      ((pool[seed]! << 17) | (pool[seed + 1]! << 9) | (pool[seed + 2]! << 1) | (pool[seed + 3]! >> 7)) &
      0x1ffffff;
  }
  const ms = lastMs;
  const r = takeRandom(6);
  // Split the 48-bit timestamp without 64-bit math: high 16 bits and low 32 bits.
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  const randA = counter >>> 14; // 12 bits
  const counterLow = counter & 0x3fff; // 14 bits: 6 after the variant, then 8
  putHex(0, (high >>> 8) & 0xff);
  putHex(2, high & 0xff);
  putHex(4, (low >>> 24) & 0xff);
  putHex(6, (low >>> 16) & 0xff);
  putHex(9, (low >>> 8) & 0xff);
  putHex(11, low & 0xff);
  putHex(14, 0x70 | (randA >>> 8));
  putHex(16, randA & 0xff);
  putHex(19, 0x80 | (counterLow >>> 8));
  putHex(21, counterLow & 0xff);
  for (let index = 0; index < 6; index++) putHex(24 + 2 * index, pool[r + index]!);
  // One flat string from char codes: concatenating the pieces would build a rope that
  // every comparison or hash of the id first has to flatten.
  return String.fromCharCode.apply(null, idChars);
}

/** The char codes of the id being built; the dashes never change. */
const idChars: number[] = Array.from('00000000-0000-0000-0000-000000000000', (char) => char.charCodeAt(0));

/** Char codes of the two lowercase hex digits of each byte value. */
const HEX_CODES = Uint8Array.from(HEX.join(''), (char) => char.charCodeAt(0));

function putHex(at: number, byte: number): void {
  idChars[at] = HEX_CODES[2 * byte]!;
  idChars[at + 1] = HEX_CODES[2 * byte + 1]!;
}

/**
 * A deterministic UUID (version 8 layout, RFC 9562 §5.8) for one schedule tick: the
 * first 48 bits are the tick's ms, so it sorts by time; the rest comes from
 * `sha256(key + '@' + tick.toISOString())`. Every scheduler computes the same id for
 * the same tick, which is what makes a tick fire once.
 */
export function scheduleTickJobId(key: string, tick: Date): string {
  const ms = tick.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMESTAMP) {
    throw new InvalidOptionsError(`schedule tick must be a valid Date after 1970; got ${String(tick)}`);
  }
  const hash = createHash('sha256').update(`${key}@${tick.toISOString()}`).digest();
  const bytes = new Uint8Array(16);
  let rest = ms;
  for (let index = 5; index >= 0; index--) {
    bytes[index] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  bytes.set(hash.subarray(6, 16), 6);
  bytes[6] = 0x80 | (bytes[6]! & 0x0f); // version 8
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  return formatUuid(bytes);
}

/**
 * The deterministic id (UUID version 8 layout) of the step at `path` in flow `flowId`:
 * the first 48 bits are the flow id's (its creation time, so steps sort beside their
 * flow), the rest comes from `sha256(flowId + '/' + path)`. Every process computes the
 * same id for the same step, so enqueueing a step twice stores it once.
 */
export function flowStepJobId(flowId: string, path: string): string {
  if (!isUuid(flowId)) throw new InvalidOptionsError(`flow id must be a UUID; got ${JSON.stringify(flowId)}`);
  const normalized = flowId.toLowerCase();
  const hash = createHash('sha256').update(`${normalized}/${path}`).digest();
  const bytes = new Uint8Array(16);
  const hex = normalized.replace(/-/g, '');
  for (let index = 0; index < 6; index++)
    bytes[index] = Number.parseInt(hex.slice(2 * index, 2 * index + 2), 16);
  bytes.set(hash.subarray(6, 16), 6);
  bytes[6] = 0x80 | (bytes[6]! & 0x0f); // version 8
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  return formatUuid(bytes);
}

function formatUuid(bytes: Uint8Array): string {
  let text = '';
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) text += '-';
    text += HEX[bytes[index]!]!;
  }
  return text;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for any string in UUID syntax (8-4-4-4-12 hex digits, any case, any version). */
export function isUuid(value: string): boolean {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
