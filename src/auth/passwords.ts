import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InputError } from '../shared/errors.js';

/** Shortest password ardesk accepts. */
export const minPasswordLength = 12;

/** scrypt cost (N), block size (r) and parallelism (p) for new hashes: 16 MiB of memory per hash. */
const defaultParameters = { N: 2 ** 15, r: 8, p: 1 } as const;
const keyLength = 32;
const saltLength = 16;

function deriveKey(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes, with room to spare.
    const maxmem = 256 * (options.N ?? 1) * (options.r ?? 1) + 1024 * 1024;
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Raises InputError unless the password is long enough. */
export function checkPasswordStrength(password: string): void {
  if ([...password].length < minPasswordLength) {
    throw new InputError(
      `invalid password: use at least ${minPasswordLength} characters`,
      'weak_password',
      'password',
    );
  }
}

/**
 * Hashes a password with scrypt and a random salt. The result stores the
 * parameters with the salt and key: `scrypt$N$r$p$salt$key` in base64, so
 * hashes made with other parameters still verify after they change.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltLength);
  const { N, r, p } = defaultParameters;
  const key = await deriveKey(password, salt, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Checks a password against a stored hash in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((value) => Number.isInteger(value) && value > 0)) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length !== keyLength) return false;
  const key = await deriveKey(password, salt, { N, r, p });
  return timingSafeEqual(key, expected);
}
