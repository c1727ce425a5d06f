/**
 * Outgoing mail over SMTP (nodemailer). The mail server is named by a URL
 * such as `smtp://user:pass@mail.example.com:587` or `smtps://…:465`; the
 * sender by an address. Both come from the caller, or from the
 * environment variables ARDESK_SMTP_URL and ARDESK_MAIL_FROM.
 *
 * Every message is recorded in outbound_mail with the server's reply, so
 * a customer's history shows what was sent, and a failed send is kept as
 * failed rather than lost.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Actor } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import { InputError } from '../shared/errors.js';

/**
 * Error raised when the mail server could not be reached or dropped the
 * connection, as opposed to rejecting one recipient. The API returns 502 for it.
 */
export class MailServerError extends Error {
  readonly code = 'mail_server_failed';
  constructor(message: string) {
    super(message);
    this.name = 'MailServerError';
  }
}

export interface MailSettings {
  /** smtp:// or smtps:// URL of the mail server. */
  url: string;
  /** Sender address, optionally with a name: `Credit Control <ar@example.com>`. */
  from: string;
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  attachments?: MailAttachment[];
}

export interface SentMail {
  messageId: string;
  /** The server's last reply line, such as `250 OK: queued`. */
  response: string;
}

export interface Mailer {
  readonly from: string;
  send(message: MailMessage): Promise<SentMail>;
  close(): void;
}

/**
 * Mail settings from explicit values, else the environment. Raises an
 * InputError naming what is missing or malformed.
 */
export function mailSettings(
  explicit: { url?: string | undefined; from?: string | undefined } = {},
  env: NodeJS.ProcessEnv = process.env,
): MailSettings {
  const url = explicit.url ?? env.ARDESK_SMTP_URL;
  const from = explicit.from ?? env.ARDESK_MAIL_FROM;
  if (!url) throw new InputError('no mail server: give --smtp URL or set ARDESK_SMTP_URL (smtp://host:port)', 'mail_not_configured', 'smtp');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`invalid mail server URL "${url}": use smtp://host:port or smtps://host:port`, 'invalid_smtp_url', 'smtp');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new InputError(`invalid mail server URL "${url}": the scheme must be smtp or smtps`, 'invalid_smtp_url', 'smtp');
  }
  if (!from) throw new InputError('no sender address: give --from-address ADDRESS or set ARDESK_MAIL_FROM', 'mail_not_configured', 'from');
  if (!emailPattern.test(addressPart(from))) {
    throw new InputError(`invalid sender address "${from}"`, 'invalid_email', 'from');
  }
  return { url, from };
}

/**
 * A mailbox address: a local part of the characters RFC 5322 allows
 * unquoted (no commas or semicolons, which would name a second
 * recipient), without leading, trailing or doubled dots, then a domain of
 * two or more labels.
 */
const emailPattern = /^(?!\.)(?!.*\.\.)[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+(?<!\.)@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

function addressPart(address: string): string {
  const angle = /<([^>]*)>\s*$/.exec(address);
  return (angle ? angle[1]! : address).trim();
}

/** True when `address` is a plain mailbox address (local@domain). */
export function isEmailAddress(address: string): boolean {
  return emailPattern.test(address.trim());
}

/**
 * Creates a mailer on a pooled connection: a batch of letters reuses one SMTP
 * session instead of opening one per message. Call close() when done.
 */
export function createMailer(settings: MailSettings): Mailer {
  const pooled = `${settings.url}${settings.url.includes('?') ? '&' : '?'}pool=true`;
  const transport: Transporter = nodemailer.createTransport(pooled);
  return {
    from: settings.from,
    async send(message) {
      const info = (await transport.sendMail({
        from: settings.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        attachments: (message.attachments ?? []).map((attachment) => ({
          filename: attachment.filename,
          content: attachment.content,
          contentType: attachment.contentType,
        })),
      })) as { messageId?: string; response?: string };
      return { messageId: info.messageId ?? '', response: info.response ?? '' };
    },
    close() {
      transport.close();
    },
  };
}

export interface MailRecord {
  companyId: number;
  customerId: bigint;
  purpose: 'dunning' | 'statement';
  reference: string;
  message: MailMessage;
  outcome: { sent: SentMail } | { error: string };
}

/** Records one message handed to the mail server, sent or failed. */
export async function recordMail(db: Queryable, record: MailRecord, actor: Actor): Promise<bigint> {
  const attachment = record.message.attachments?.[0];
  const sent = 'sent' in record.outcome ? record.outcome.sent : null;
  const result = await db.query<{ mail_id: bigint }>(
    `insert into outbound_mail (company_id, mail_id, customer_id, purpose, reference, to_address, subject,
       attachment_name, attachment_bytes, status, message_id, server_response, error, actor)
     values ($1, nextval('outbound_mail_id_seq'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     returning mail_id`,
    [
      record.companyId,
      record.customerId,
      record.purpose,
      record.reference,
      record.message.to,
      record.message.subject,
      attachment?.filename ?? null,
      attachment ? attachment.content.length : null,
      sent ? 'sent' : 'failed',
      sent?.messageId ?? null,
      sent?.response ?? null,
      'error' in record.outcome ? record.outcome.error : null,
      actor.email,
    ],
  );
  return result.rows[0]!.mail_id;
}

export interface OutboundMail {
  mailId: bigint;
  customerId: bigint;
  purpose: 'dunning' | 'statement';
  reference: string;
  to: string;
  subject: string;
  attachmentName: string | null;
  status: 'sent' | 'failed';
  error: string | null;
  actor: string;
  sentAt: string;
}

/** Lists the mail sent to a customer, newest first. */
export async function customerMail(db: Queryable, companyId: number, customerId: bigint): Promise<OutboundMail[]> {
  const result = await db.query<Record<string, unknown>>(
    `select mail_id, customer_id, purpose, reference, to_address, subject, attachment_name, status, error, actor,
            to_char(sent_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as sent_at
     from outbound_mail where company_id = $1 and customer_id = $2 order by sent_at desc, mail_id desc`,
    [companyId, customerId],
  );
  return result.rows.map((row) => ({
    mailId: row.mail_id as bigint,
    customerId: row.customer_id as bigint,
    purpose: row.purpose as 'dunning' | 'statement',
    reference: row.reference as string,
    to: row.to_address as string,
    subject: row.subject as string,
    attachmentName: row.attachment_name as string | null,
    status: row.status as 'sent' | 'failed',
    error: row.error as string | null,
    actor: row.actor as string,
    sentAt: row.sent_at as string,
  }));
}
