import { roles, type Role, type Scope } from './types.js';

/** Actions a route can require. Reads are always limited to the user's scope. */
export const permissions = [
  'read',
  'profile.update',
  'import',
  'snapshot',
  'user.manage',
  'audit.read',
  'bank.import',
  'cash.apply',
  'cash.post',
  'cash.approve',
  'checks.manage',
  'collections.target',
  'collections.work',
  'collections.review',
  'collections.strategy',
  'customers.risk_class',
  'dunning.run',
  'dunning.approve',
] as const;

export type Permission = (typeof permissions)[number];

const everyRole: readonly Role[] = roles;

/** Roles allowed each action. docs/api.md repeats this table. */
export const permissionTable: Readonly<Record<Permission, readonly Role[]>> = {
  read: everyRole,
  'profile.update': everyRole,
  import: ['admin', 'finance', 'treasury', 'credit_manager'],
  snapshot: ['admin', 'finance', 'credit_manager'],
  'user.manage': ['admin'],
  'audit.read': ['admin', 'auditor'],
  // Bank statements come from the company's accounts, outside any region.
  'bank.import': ['admin', 'finance', 'treasury'],
  // Confirming, splitting or rejecting the matcher's proposals, and
  // assigning money in suspense.
  'cash.apply': ['admin', 'finance', 'treasury'],
  // Entering cash, transfer and check receipts; a second person approves.
  'cash.post': ['admin', 'finance', 'treasury', 'regional_accountant'],
  'cash.approve': ['admin', 'finance', 'treasury', 'credit_manager'],
  // Check register: receiving, depositing, clearing and returning checks.
  'checks.manage': ['admin', 'finance', 'treasury', 'regional_accountant'],
  'collections.target': ['admin', 'finance', 'credit_manager'],
  // Logging activities, recording promises to pay and working disputes.
  'collections.work': ['admin', 'finance', 'credit_manager', 'collector', 'credit_analyst', 'sales'],
  // Holding regional overdue reviews and recording the actions agreed in them.
  'collections.review': ['admin', 'finance', 'credit_manager'],
  // Editing collection strategies and the rules that assign them.
  'collections.strategy': ['admin', 'finance', 'credit_manager'],
  // Setting a customer's risk class, which picks strategy steps and weighs the worklist.
  'customers.risk_class': ['admin', 'finance', 'credit_manager', 'credit_analyst'],
  // Proposing dunning runs, dropping letters from them and sending them.
  // A second person with dunning.approve approves a run.
  'dunning.run': ['admin', 'finance', 'credit_manager', 'collector'],
  'dunning.approve': ['admin', 'finance', 'credit_manager'],
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (permissions as readonly string[]).includes(value);
}

/** Returns whether a role may perform an action. An unknown action is allowed to no role. */
export function can(role: Role, permission: string): boolean {
  return isPermission(permission) && permissionTable[permission].includes(role);
}

/**
 * Returns whether a user scope lies inside a manager's scope, so that an
 * admin limited to some companies or regions manages only users limited
 * to those. On each axis the manager restricts, the user must be
 * restricted as well, to a subset of the manager's values. An
 * unrestricted manager contains every scope.
 */
export function scopeContains(manager: Scope, user: Scope): boolean {
  return axisContains(manager.companyIds, user.companyIds) && axisContains(manager.regions, user.regions);
}

function axisContains<T>(manager: readonly T[] | null, user: readonly T[] | null): boolean {
  if (manager === null) return true;
  if (user === null || user.length === 0) return false;
  return user.every((value) => manager.includes(value));
}
