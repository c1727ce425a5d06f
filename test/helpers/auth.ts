import type { FastifyInstance } from 'fastify';
import { addUser, cliActor, createToken, type Role } from '../../src/auth/index.js';
import type { Db } from '../../src/db/types.js';

let counter = 0;

export interface TestUser {
  email: string;
  password: string;
  /** An API token of the user, for `Authorization: Bearer`. */
  token: string;
}

/** Creates a user with an API token. Email and password are made up when not given. */
export async function createTestUser(
  db: Db,
  options: { email?: string; role: Role; companies?: string[]; regions?: string[]; password?: string; name?: string },
): Promise<TestUser> {
  counter += 1;
  const email = options.email ?? `${options.role}-${process.pid}-${counter}@example.test`;
  const password = options.password ?? `password-${counter}-long-enough`;
  await addUser(
    db,
    {
      email,
      name: options.name ?? options.role,
      role: options.role,
      password,
      companies: options.companies,
      regions: options.regions,
    },
    cliActor(),
  );
  const { token } = await createToken(db, email, 'test', cliActor());
  return { email: email.toLowerCase(), password, token };
}

/** Request headers that authenticate with an API token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * Signs in through the API. Returns the Cookie header value for later
 * requests and the CSRF token that writes repeat in x-csrf-token.
 */
export async function signIn(
  app: FastifyInstance,
  email: string,
  password: string,
): Promise<{ cookie: string; csrf: string }> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (response.statusCode !== 200) {
    throw new Error(`sign-in of ${email} failed with ${response.statusCode}: ${response.body}`);
  }
  const cookies = new Map(response.cookies.map((entry) => [entry.name, entry.value]));
  const session = cookies.get('ardesk_session');
  const csrf = cookies.get('ardesk_csrf');
  if (!session || !csrf) throw new Error(`sign-in of ${email} set no session or CSRF cookie`);
  return { cookie: `ardesk_session=${session}; ardesk_csrf=${csrf}`, csrf };
}
