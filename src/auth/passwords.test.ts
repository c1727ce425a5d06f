import { describe, expect, it } from 'vitest';
import { InputError } from '../shared/errors.js';
import { checkPasswordStrength, hashPassword, minPasswordLength, verifyPassword } from './passwords.js';

describe('password hashing', () => {
  it('verifies the right password only', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('stores parameters, salt and key', async () => {
    const hash = await hashPassword('correct horse battery');
    const [scheme, n, r, p, salt, key] = hash.split('$');
    expect(scheme).toBe('scrypt');
    expect([Number(n), Number(r), Number(p)]).toEqual([32768, 8, 1]);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    expect(hash).not.toContain('correct horse battery');
  });

  it('salts every hash differently', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).not.toBe(second);
  });

  it('verifies hashes of other parameters', async () => {
    // A hash with N = 1024 from an earlier setting still verifies.
    const hash = await hashPassword('correct horse battery');
    const parts = hash.split('$');
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.from(parts[4]!, 'base64');
    const key = scryptSync('correct horse battery', salt, 32, { N: 1024, r: 8, p: 1 });
    const older = ['scrypt', 1024, 8, 1, parts[4], key.toString('base64')].join('$');
    expect(await verifyPassword('correct horse battery', older)).toBe(true);
    expect(await verifyPassword('wrong horse battery', older)).toBe(false);
  });

  it.each(['', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$AAAA$AAAA', 'scrypt$1024$8$1$AAAA$AAAA'])(
    'never matches malformed hash %j',
    async (stored) => {
      expect(await verifyPassword('correct horse battery', stored)).toBe(false);
    },
  );

  it(`rejects passwords under ${minPasswordLength} characters`, () => {
    expect(() => checkPasswordStrength('a'.repeat(minPasswordLength - 1))).toThrow(InputError);
    expect(() => checkPasswordStrength('a'.repeat(minPasswordLength))).not.toThrow();
  });
});
