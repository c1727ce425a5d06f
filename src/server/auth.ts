import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/audit.js';
import {
  actorForUser,
  authenticateSession,
  authenticateToken,
  can,
  csrfTokenFor,
  ForbiddenError,
  inScope,
  sameSecret,
  systemClock,
  type Actor,
  type Clock,
  type Permission,
} from '../auth/index.js';
import type { Db, Queryable } from '../db/types.js';
import { getCompany, type Company } from '../ledger/index.js';
import type { ErrorBody } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route serves requests without sign-in (health, sign-in). */
    public?: boolean;
    /** The action the route needs. Reads default to `read`, and a write without one is rejected for every role. */
    permission?: Permission;
  }
}

export const sessionCookie = 'ardesk_session';
export const csrfCookie = 'ardesk_csrf';
export const csrfHeader = 'x-csrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthOptions {
  /** Clock for session expiry and lockouts; tests pass their own. */
  clock?: Clock;
}

function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message, field: null } };
}

function unauthenticated(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(401).send(errorBody('unauthenticated', message));
}

/** Reads the token of an `Authorization: Bearer <token>` header, or null when it is malformed. */
function bearerToken(header: string): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Registers @fastify/cookie on the root instance; call it once, before the API routes. */
export async function registerCookies(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
}

/**
 * Authenticates every route of `api` that is not public, by the
 * `Authorization: Bearer` token or else the session cookie, and sets
 * `request.actor`. A write with the session cookie must repeat the CSRF
 * cookie in the `x-csrf-token` header, and that value must belong to the
 * session. Then the route's permission is checked against the actor's
 * role. Every ForbiddenError a route raises is recorded in the audit trail.
 */
export function registerAuthHooks(api: FastifyInstance, db: Db, options: AuthOptions = {}): void {
  const clock = options.clock ?? systemClock;

  api.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (config.public === true) return;
    const now = clock();
    const isRead = safeMethods.has(request.method);
    const authorization = request.headers.authorization;
    let identity: Awaited<ReturnType<typeof authenticateToken>>;
    let via: 'token' | 'session';
    if (authorization !== undefined) {
      const token = bearerToken(authorization);
      if (token === null) return unauthenticated(reply, 'invalid Authorization header: use "Bearer <token>"');
      identity = await authenticateToken(db, token, now);
      if (identity === null) return unauthenticated(reply, 'invalid, revoked or disabled API token');
      via = 'token';
    } else {
      const sessionId = request.cookies[sessionCookie];
      if (!sessionId) return unauthenticated(reply, 'not signed in: sign in at POST /api/v1/auth/login or send an API token');
      identity = await authenticateSession(db, sessionId, now);
      if (identity === null) return unauthenticated(reply, 'the session has expired or was ended: sign in again');
      if (!isRead) {
        const header = request.headers[csrfHeader];
        const cookieValue = request.cookies[csrfCookie];
        const valid =
          typeof header === 'string' &&
          cookieValue !== undefined &&
          sameSecret(header, cookieValue) &&
          sameSecret(header, csrfTokenFor(sessionId));
        if (!valid) {
          return reply
            .code(403)
            .send(errorBody('csrf', `missing or wrong ${csrfHeader} header: send the value of the ${csrfCookie} cookie`));
        }
      }
      via = 'session';
    }
    const actor = await actorForUser(db, identity, via);
    request.actor = actor;
    const permission = config.permission ?? (isRead ? 'read' : 'write');
    if (!can(actor.role, permission)) {
      throw new ForbiddenError(`the role ${actor.role} may not ${permission === 'write' ? 'make this change' : `use ${permission}`}`, {
        action: permission,
        entity: 'route',
        entityId: `${request.method} ${request.routeOptions.url ?? request.url}`,
      });
    }
  });

  api.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof ForbiddenError) || request.actor === undefined) return;
    try {
      await recordAudit(db, {
        actor: request.actor,
        action: error.attempt.action,
        entity: error.attempt.entity,
        entityId: error.attempt.entityId,
        companyId: error.attempt.companyId ?? null,
        reason: error.message,
        outcome: 'denied',
      });
    } catch (auditError) {
      request.log.error({ err: auditError }, 'failed to record a denied request in the audit trail');
    }
  });
}

/**
 * Returns the companies named by `codes` after checking that each exists
 * (NotFoundError) and lies in the actor's company scope (ForbiddenError).
 */
export async function companiesInScope(
  db: Queryable,
  actor: Actor,
  codes: readonly string[],
  action = 'read',
): Promise<Company[]> {
  const companies: Company[] = [];
  for (const code of new Set(codes)) {
    const company = await getCompany(db, code);
    if (actor.scope.companyIds !== null && !actor.scope.companyIds.includes(company.companyId)) {
      throw new ForbiddenError(`company ${company.code} is outside your scope`, {
        action,
        entity: 'company',
        entityId: company.code,
        companyId: company.companyId,
      });
    }
    companies.push(company);
  }
  return companies;
}

/** Raises ForbiddenError unless a customer of a company and region is inside the actor's scope. */
export function checkCustomerScope(
  actor: Actor,
  customer: { companyId: number; region: string | null; customerId: bigint | string },
  action = 'read',
): void {
  if (!inScope(actor.scope, customer.companyId, customer.region)) {
    throw new ForbiddenError('this customer is outside your scope', {
      action,
      entity: 'customer',
      entityId: String(customer.customerId),
      companyId: customer.companyId,
    });
  }
}
