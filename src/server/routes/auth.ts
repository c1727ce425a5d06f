import { z } from 'zod';
import { recordAudit } from '../../audit/audit.js';
import {
  dateFormats,
  endSession,
  getUserById,
  sessionHours,
  setDateFormat,
  signIn,
  systemClock,
  type Clock,
  type User,
} from '../../auth/index.js';
import { actorOf } from '../../auth/request.js';
import type { Db } from '../../db/types.js';
import { csrfCookie, sessionCookie } from '../auth.js';
import { errorResponseSchema, type ApiInstance } from '../validation.js';

export const userSchema = z.object({
  email: z.string(),
  name: z.string(),
  role: z.string(),
  companies: z.array(z.string()).nullable().meta({ description: 'Company codes the user sees, or null for all.' }),
  regions: z.array(z.string()).nullable().meta({ description: 'Regions the user sees, or null for all.' }),
  dateFormat: z.enum(dateFormats),
});

export function userToJson(user: User) {
  return {
    email: user.email,
    name: user.name,
    role: user.role,
    companies: user.companies,
    regions: user.regions,
    dateFormat: user.dateFormat,
  };
}

const loginBodySchema = z.object({
  email: z.string().min(1, { error: 'expected an email address' }),
  password: z.string().min(1, { error: 'expected a password' }),
});

const meBodySchema = z.object({ dateFormat: z.enum(dateFormats) });

export async function registerAuthRoutes(app: ApiInstance, db: Db, clock: Clock = systemClock): Promise<void> {
  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        description: `Sets the cookies ${sessionCookie} (httpOnly) and ${csrfCookie}, which every later write repeats in the x-csrf-token header. A session lasts ${sessionHours} hours.`,
        body: loginBodySchema,
        response: {
          200: z.object({ user: userSchema }).describe('Signed in.'),
          401: errorResponseSchema.describe('Wrong email or password, or a disabled user.'),
          423: errorResponseSchema.describe('Locked after too many failed sign-ins with this email.'),
        },
      },
    },
    async (request, reply) => {
      const result = await signIn(db, request.body.email, request.body.password, clock);
      if (result.outcome === 'invalid_credentials') {
        return reply
          .code(401)
          .send({ error: { code: 'invalid_credentials', message: 'wrong email or password', field: null } });
      }
      if (result.outcome === 'locked') {
        return reply.code(423).send({
          error: {
            code: 'locked',
            message: `too many wrong passwords: the account is locked until ${result.lockedUntil.toISOString()}`,
            field: null,
          },
        });
      }
      const secure = request.protocol === 'https';
      const maxAge = sessionHours * 3600;
      reply.setCookie(sessionCookie, result.sessionId, { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge });
      reply.setCookie(csrfCookie, result.csrfToken, { httpOnly: false, sameSite: 'strict', path: '/', secure, maxAge });
      const user = await getUserById(db, result.userId);
      return { user: userToJson(user!) };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { permission: 'profile.update' },
      schema: { tags: ['auth'], summary: 'Sign out: end the session and clear its cookies', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const sessionId = request.cookies[sessionCookie];
      if (sessionId) {
        await endSession(db, sessionId);
        await recordAudit(db, { actor, action: 'auth.logout', entity: 'user', entityId: actor.email });
      }
      reply.clearCookie(sessionCookie, { path: '/' });
      reply.clearCookie(csrfCookie, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        response: { 200: z.object({ user: userSchema }).describe('The user behind the session or token.') },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { user: userToJson((await getUserById(db, actor.userId!))!) };
    },
  );

  app.patch(
    '/auth/me',
    {
      config: { permission: 'profile.update' },
      schema: {
        tags: ['auth'],
        summary: "Change the signed-in user's settings",
        body: meBodySchema,
        response: {
          200: z.object({ user: userSchema }).describe('The changed user.'),
          400: errorResponseSchema.describe('Invalid setting.'),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const user = await setDateFormat(db, actor.userId!, request.body.dateFormat, actor);
      return { user: userToJson(user) };
    },
  );
}
