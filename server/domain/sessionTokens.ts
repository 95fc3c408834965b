/**
 * Session tokens and their digests. A token is shown once, when it is created; the stores keep only
 * its digest (as GitHub and Rails do for API tokens), so whoever reads a copy of the database cannot
 * act as anyone. Every lookup hashes the presented token first.
 */
import { hash, randomInt } from 'node:crypto';
import { LIMITS } from '../../shared/limits.js';

const SESSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 12 characters, each drawn uniformly from 62 by the OS's cryptographic source (~71 bits). */
export function newSessionToken(): string {
  let token = '';
  for (let i = 0; i < LIMITS.sessionLength; i++) token += SESSION_ALPHABET[randomInt(SESSION_ALPHABET.length)];
  return token;
}

/**
 * The key a session is stored under: hex SHA-256 of the token. A fast hash is right here (unlike
 * passwords): the token is 71 random bits, so there is nothing to guess from the digest. Every
 * request hashes its token: the one-shot `hash` costs a third of a createHash object.
 */
export function sessionDigest(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A digest as the stores hold it (64 lower-case hex characters); a 12-character raw token is not. */
export const isSessionDigest = (value: string) => /^[0-9a-f]{64}$/.test(value);

/** How many leading characters of a digest name a session to an operator (the CLI's short id). */
export const SHORT_ID_LENGTH = 12;

/**
 * The key range of the digests that start with a lowercase hex prefix: `[prefix, prefix + 'g')`,
 * since every later character of a digest is below 'g'. A range on the key is what both stores
 * answer from their primary index.
 */
export function digestPrefixRange(prefix: string): { from: string; to: string } {
  if (!/^[0-9a-f]*$/.test(prefix)) throw new TypeError('a digest prefix is lowercase hex');
  return { from: prefix, to: `${prefix}g` };
}
