import { describe, expect, it } from 'vitest';
import { permissionTable } from '../../src/auth/permissions.js';
import { roles } from '../../src/auth/types.js';
import { adminRoles, auditRoles, importRoles, roleList } from '../../web/src/roles.js';

describe('roles of the web app', () => {
  it('match the permission table', () => {
    expect([...importRoles].sort()).toEqual([...permissionTable.import].sort());
    expect([...auditRoles].sort()).toEqual([...permissionTable['audit.read']].sort());
    expect([...adminRoles].sort()).toEqual([...permissionTable['user.manage']].sort());
  });

  it('leave some roles without imports', () => {
    const others = roles.filter((role) => !importRoles.has(role));
    expect(others).toContain('collector');
    expect(others).toContain('auditor');
  });

  it('list role names for a message', () => {
    expect(roleList(importRoles)).toBe('admin, finance, treasury or credit manager');
    expect(roleList(adminRoles)).toBe('admin');
    expect(roleList(new Set(['auditor', 'credit_analyst']))).toBe('auditor or credit analyst');
  });
});
