import { InvalidOptionsError } from '@switchyard/core';

const PREFIX = 'm1:';

/** Encodes "continue below this id" as an opaque cursor. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(PREFIX + lastId, 'utf8').toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; anything else is an `InvalidOptionsError`. */
export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX) || text.length === PREFIX.length) {
    throw new InvalidOptionsError(`invalid jobs.list cursor: ${JSON.stringify(cursor)}`);
  }
  return text.slice(PREFIX.length);
}
