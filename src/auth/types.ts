/** Roles a user can hold. Each user holds exactly one. */
export const roles = [
  'collector',
  'credit_analyst',
  'credit_manager',
  'regional_accountant',
  'treasury',
  'legal',
  'sales',
  'finance',
  'auditor',
  'admin',
] as const;

export type Role = (typeof roles)[number];

/**
 * What part of the ledger a user may see. `null` means no restriction on
 * that axis: every company, or every region of the allowed companies.
 */
export interface Scope {
  readonly companyIds: readonly number[] | null;
  readonly regions: readonly string[] | null;
}

/** The whole ledger: for admins and for the command line. */
export const unrestricted: Scope = { companyIds: null, regions: null };

/** Who is making a request, and how they proved it. */
export interface Actor {
  readonly userId: number | null;
  readonly email: string;
  readonly role: Role;
  readonly scope: Scope;
  readonly via: 'session' | 'token' | 'cli';
}
