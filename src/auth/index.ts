export { cliActor } from './actor.js';
export { ForbiddenError, type DeniedAttempt } from './errors.js';
export { checkPasswordStrength, hashPassword, minPasswordLength, verifyPassword } from './passwords.js';
export { can, isPermission, permissionTable, permissions, type Permission } from './permissions.js';
export { inScope, scopeCondition } from './scope.js';
export {
  authenticateSession,
  csrfTokenFor,
  endSession,
  lockoutMinutes,
  maxFailedSignIns,
  sameSecret,
  sessionHours,
  signIn,
  systemClock,
  type Clock,
  type SignInResult,
} from './sessions.js';
export { authenticateToken, createToken, listTokens, revokeTokens, type TokenInfo } from './tokens.js';
export { roles, unrestricted, type Actor, type Role, type Scope } from './types.js';
export {
  actorForUser,
  addUser,
  checkDateFormat,
  countUsers,
  dateFormats,
  findUser,
  getUser,
  getUserById,
  isRole,
  listUsers,
  loadScope,
  normaliseEmail,
  setDateFormat,
  setUserDisabled,
  type DateFormat,
  type NewUser,
  type User,
} from './users.js';
