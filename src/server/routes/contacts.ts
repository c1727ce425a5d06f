/**
 * Customer contacts for letters and statements, and the history of mail
 * sent to a customer.
 */
import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import { contactPurposes, letterLanguages, listContacts, setContact, type CustomerContact } from '../../collections/contacts.js';
import type { Db } from '../../db/types.js';
import { customerMail } from '../../mail/mailer.js';
import { errorResponseSchema, type ApiInstance } from '../validation.js';
import { customerOf } from './collections.js';

const customerParams = z.object({ customerId: z.string().regex(/^\d{1,18}$/, { error: 'expected an id: digits only' }) });

const clientErrors = {
  400: errorResponseSchema.describe('Invalid field.'),
  403: errorResponseSchema.describe('Your role may not do this, or the customer is outside your scope.'),
  404: errorResponseSchema.describe('Unknown customer.'),
};

const contactSchema = z.object({
  purpose: z.enum(contactPurposes),
  email: z.string(),
  name: z.string().nullable(),
  language: z.enum(letterLanguages),
});

function contactToJson(contact: CustomerContact) {
  return { purpose: contact.purpose, email: contact.email, name: contact.name, language: contact.language };
}

export async function registerContactRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/customers/:customerId/contacts',
    {
      schema: {
        tags: ['collections'],
        summary: "A customer's contacts for dunning letters and statements",
        params: customerParams,
        response: { 200: z.object({ contacts: z.array(contactSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const { company, customerId } = await customerOf(db, actorOf(request), request.params.customerId, 'read');
      return { contacts: (await listContacts(db, company.companyId, customerId)).map(contactToJson) };
    },
  );

  app.put(
    '/customers/:customerId/contacts/:purpose',
    {
      config: { permission: 'collections.work' as const },
      schema: {
        tags: ['collections'],
        summary: "Set a customer's contact for dunning letters (collections) or statements",
        params: customerParams.extend({ purpose: z.enum(contactPurposes) }),
        body: z.object({ email: z.string(), name: z.string().optional(), language: z.enum(letterLanguages).optional() }),
        response: { 200: z.object({ contact: contactSchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { company, customerId } = await customerOf(db, actor, request.params.customerId, 'contact.set');
      const contact = await setContact(db, company.companyId, { customerId, purpose: request.params.purpose, ...request.body }, actor);
      return { contact: contactToJson(contact) };
    },
  );

  app.get(
    '/customers/:customerId/mail',
    {
      schema: {
        tags: ['collections'],
        summary: 'Letters and statements mailed to a customer, newest first, with what the mail server answered',
        params: customerParams,
        response: {
          200: z.object({
            mail: z.array(
              z.object({
                mailId: z.string(),
                purpose: z.enum(['dunning', 'statement']),
                reference: z.string(),
                to: z.string(),
                subject: z.string(),
                attachmentName: z.string().nullable(),
                status: z.enum(['sent', 'failed']),
                error: z.string().nullable(),
                actor: z.string(),
                sentAt: z.string(),
              }),
            ),
          }),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const { company, customerId } = await customerOf(db, actorOf(request), request.params.customerId, 'read');
      const mail = await customerMail(db, company.companyId, customerId);
      return { mail: mail.map((entry) => ({ ...entry, mailId: entry.mailId.toString(), customerId: undefined })) };
    },
  );
}
