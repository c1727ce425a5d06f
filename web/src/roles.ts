/**
 * Roles that may use each part of the app. They repeat the server's
 * permission table (src/auth/permissions.ts), which enforces them, so the
 * app only hides what the server would reject for a role.
 */

/** Roles that manage users: the server's `user.manage`. */
export const adminRoles: ReadonlySet<string> = new Set(['admin']);

/** Roles that read the audit trail: the server's `audit.read`. */
export const auditRoles: ReadonlySet<string> = new Set(['admin', 'auditor']);

/** Roles that import ledgers: the server's `import`. */
export const importRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'treasury', 'credit_manager']);

/** Writes role names as a list for a message: "admin, finance or credit manager". */
export function roleList(roles: ReadonlySet<string>): string {
  const names = [...roles].map((role) => role.replaceAll('_', ' '));
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** Roles that import bank statements and add bank accounts: the server's `bank.import`. */
export const bankRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'treasury']);

/** Roles that confirm, split or reject the matcher's proposals: the server's `cash.apply`. */
export const cashApplyRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'treasury']);

/** Roles that receive, deposit, clear and return checks: the server's `checks.manage`. */
export const checkRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'treasury', 'regional_accountant']);

/** Roles that enter cash and transfer receipts: the server's `cash.post`. */
export const cashPostRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'treasury', 'regional_accountant']);

/** Roles that approve or reject another person's receipt: the server's `cash.approve`. */
export const cashApproveRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'treasury', 'credit_manager']);
