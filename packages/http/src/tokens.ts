/**
 * Built-in bearer tokens. Only SHA-256 hashes of tokens are configured (a leaked config
 * leaks no token); a presented token is hashed and compared with every configured hash
 * in constant time, so neither timing nor early exit tells which entry was close.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidOptionsError } from '@switchyard/core';
import type { Authenticator } from './authenticate.js';
import { isRole, type Principal, type Role } from './roles.js';

/** One configured token: who it is, its role, and `hashToken(token)`. */
export interface TokenEntry {
  name: string;
  role: Role;
  /** `hashToken(token)`: 64 lowercase hex digits. */
  tokenHash: string;
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Token syntax accepted in `Authorization: Bearer` (RFC 6750 b64token), at most 512 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_TOKEN_LENGTH = 512;

/** A new random token (`sy_` and 43 base64url characters, 256 bits). Show it once, store only its hash. */
export function newToken(): string {
  return `sy_${randomBytes(32).toString('base64url')}`;
}

/** The SHA-256 hex digest of a token, as `bearerTokens` expects in `tokenHash`. */
export function hashToken(token: string): string {
  if (typeof token !== 'string' || token.length === 0) {
    throw new InvalidOptionsError('hashToken needs a non-empty string');
  }
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header, or null when absent or malformed. */
export function bearerTokenOf(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  const token = match?.[1];
  if (!token || token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) return null;
  return token;
}

/**
 * An authenticator for a fixed list of tokens. Throws `InvalidOptionsError` for an entry
 * without a name, with an unknown role, a malformed hash, or a hash listed twice.
 */
export function bearerTokens(entries: readonly TokenEntry[]): Authenticator {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new InvalidOptionsError('bearerTokens needs at least one { name, role, tokenHash } entry');
  }
  const seen = new Set<string>();
  const table = entries.map((entry, index) => {
    const where = `bearerTokens entry ${index}`;
    if (typeof entry?.name !== 'string' || entry.name.length === 0 || entry.name.length > 200) {
      throw new InvalidOptionsError(`${where}: name must be a non-empty string of at most 200 characters`);
    }
    if (!isRole(entry.role)) {
      throw new InvalidOptionsError(`${where} (${entry.name}): role must be viewer, operator or admin`);
    }
    if (typeof entry.tokenHash !== 'string' || !HASH_PATTERN.test(entry.tokenHash)) {
      throw new InvalidOptionsError(
        `${where} (${entry.name}): tokenHash must be hashToken(token), 64 lowercase hex digits`,
      );
    }
    if (seen.has(entry.tokenHash))
      throw new InvalidOptionsError(`${where} (${entry.name}): tokenHash is listed twice`);
    seen.add(entry.tokenHash);
    return {
      principal: { name: entry.name, role: entry.role } as Principal,
      hash: Buffer.from(entry.tokenHash, 'hex'),
    };
  });
  return {
    kind: 'token',
    authenticate(request) {
      const token = bearerTokenOf(request.headers.get('authorization'));
      if (token === null) return null;
      const presented = createHash('sha256').update(token, 'utf8').digest();
      let found: Principal | null = null;
      // Every entry is compared, match or not: the time taken does not depend on which one matched.
      for (const entry of table) {
        if (timingSafeEqual(presented, entry.hash) && found === null) found = entry.principal;
      }
      return found;
    },
  };
}
