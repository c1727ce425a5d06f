import { z } from 'zod';
import { listAudit, maxAuditPageSize } from '../../audit/index.js';
import { actorOf } from '../../auth/request.js';
import type { Db } from '../../db/types.js';
import { errorResponseSchema, integerSchema, isoDateSchema, offsetSchema, type ApiInstance } from '../validation.js';

const auditQuerySchema = z.object({
  actor: z.string().optional().meta({ description: 'Email of the actor, or cli:<name> for the command line.' }),
  entity: z.string().optional().meta({ description: 'Kind of record, such as company, user or import.' }),
  action: z.string().optional().meta({ description: 'Action, such as import or user.add.' }),
  from: isoDateSchema.optional().meta({ description: 'First day, YYYY-MM-DD, in UTC.' }),
  to: isoDateSchema.optional().meta({ description: 'Last day, YYYY-MM-DD, inclusive, in UTC.' }),
  limit: integerSchema({ min: 1, max: maxAuditPageSize, default: 100, description: 'Page size.' }),
  offset: offsetSchema,
});

const auditEventSchema = z.object({
  id: z.string(),
  at: z.string().meta({ description: 'ISO 8601 in UTC.' }),
  actor: z.string(),
  via: z.string().meta({ description: 'session, token or cli.' }),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  reason: z.string().nullable(),
  outcome: z.enum(['ok', 'denied']),
});

export async function registerAuditRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'The audit trail, newest first',
        querystring: auditQuerySchema,
        response: {
          200: z
            .object({
              total: z.number().int(),
              limit: z.number().int(),
              offset: z.number().int(),
              events: z.array(auditEventSchema),
            })
            .describe('Changes and denied attempts. A user limited to companies sees their events and those of no company.'),
          400: errorResponseSchema.describe('Invalid parameter.'),
          403: errorResponseSchema.describe('Only admins and auditors read the audit trail.'),
        },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const actor = actorOf(request);
      const page = await listAudit(db, { ...filter, limit, offset, companyIds: actor.scope.companyIds });
      return {
        total: page.total,
        limit,
        offset,
        events: page.events.map((event) => ({
          id: event.id,
          at: event.at,
          actor: event.actor,
          via: event.via,
          action: event.action,
          entity: event.entity,
          entityId: event.entityId,
          before: event.before,
          after: event.after,
          reason: event.reason,
          outcome: event.outcome,
        })),
      };
    },
  );
}
