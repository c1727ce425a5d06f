import { userInfo } from 'node:os';
import { unrestricted, type Actor } from './types.js';

/** Returns the actor of a command-line write: the operating-system user, with full access. */
export function cliActor(): Actor {
  let name = process.env.USER ?? process.env.USERNAME;
  if (!name) {
    try {
      name = userInfo().username;
    } catch {
      name = 'unknown';
    }
  }
  return { userId: null, email: `cli:${name}`, role: 'admin', scope: unrestricted, via: 'cli' };
}
