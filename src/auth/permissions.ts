import { roles, type Role } from './types.js';

/** Actions a route can require. Reads are always limited to the user's scope. */
export const permissions = [
  'read',
  'profile.update',
  'import',
  'snapshot',
  'user.manage',
  'audit.read',
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
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (permissions as readonly string[]).includes(value);
}

/** Returns whether a role may perform an action. An unknown action is allowed to no role. */
export function can(role: Role, permission: string): boolean {
  return isPermission(permission) && permissionTable[permission].includes(role);
}
