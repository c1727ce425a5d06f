import { z } from 'zod';
import { addUser, listUsers, roles, setUserDisabled, type User } from '../../auth/index.js';
import { actorOf } from '../../auth/request.js';
import type { Db } from '../../db/types.js';
import { errorResponseSchema, type ApiInstance } from '../validation.js';
import { userSchema, userToJson } from './auth.js';

const userDetailSchema = userSchema.extend({
  disabled: z.boolean(),
  lockedUntil: z.string().nullable().meta({ description: 'End of a lockout after wrong passwords, ISO 8601 in UTC.' }),
  createdAt: z.string(),
});

function userDetailToJson(user: User) {
  return { ...userToJson(user), disabled: user.disabled, lockedUntil: user.lockedUntil, createdAt: user.createdAt };
}

const newUserSchema = z.object({
  email: z.string(),
  name: z.string().optional(),
  role: z.enum(roles),
  password: z.string().meta({ description: 'At least 12 characters.' }),
  companies: z.array(z.string()).optional().meta({ description: 'Company codes; every company when omitted.' }),
  regions: z
    .array(z.string())
    .optional()
    .meta({ description: 'Regions; every region when omitted. A regional_accountant needs at least one.' }),
});

const emailParams = z.object({ email: z.string() });

const adminErrors = {
  400: errorResponseSchema.describe('Invalid field.'),
  403: errorResponseSchema.describe(
    'Only an admin manages users, and an admin limited to some companies or regions manages only users limited to those.',
  ),
};

export async function registerUserRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/users',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'List the users',
        description: 'An admin limited to some companies or regions sees only the users limited to those.',
        response: { 200: z.object({ users: z.array(userDetailSchema) }).describe('Users by email.'), 403: adminErrors[403] },
      },
    },
    async (request) => ({ users: (await listUsers(db, actorOf(request).scope)).map(userDetailToJson) }),
  );

  app.post(
    '/users',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        body: newUserSchema,
        response: { 201: z.object({ user: userDetailSchema }).describe('The new user.'), ...adminErrors },
      },
    },
    async (request, reply) => {
      const user = await addUser(db, request.body, actorOf(request));
      return reply.code(201).send({ user: userDetailToJson(user) });
    },
  );

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/users/:email/${path}`,
      {
        config: { permission: 'user.manage' },
        schema: {
          tags: ['users'],
          summary: disabled ? 'Disable a user and end their sessions' : 'Enable a disabled user',
          params: emailParams,
          response: {
            200: z.object({ user: userDetailSchema }),
            404: errorResponseSchema.describe('Unknown user.'),
            ...adminErrors,
          },
        },
      },
      async (request) => {
        const user = await setUserDisabled(db, request.params.email, disabled, actorOf(request));
        return { user: userDetailToJson(user) };
      },
    );
  }
}
