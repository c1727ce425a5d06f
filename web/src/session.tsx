import { createContext, useContext } from 'react';
import type { Company, DateFormat, User } from './types.js';

export interface Session {
  user: User;
  companies: Company[];
  setUser(user: User): void;
  /** Loads the company list again, after an import may have created a company. */
  refreshCompanies(): Promise<void>;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in user and the companies in their scope. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession is used outside the signed-in app');
  return session;
}

export function useDateFormat(): DateFormat {
  return useSession().user.dateFormat;
}
