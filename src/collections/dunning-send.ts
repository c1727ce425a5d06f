/**
 * Sending an approved dunning run: each letter goes as a PDF attachment
 * to the customer's collections contact, or to print when the customer
 * has none. Every message is recorded in outbound_mail; a refused message
 * leaves its letter failed, to be sent again, and the others go on.
 */
import { writeFile } from 'node:fs/promises';
import { recordAudit } from '../audit/audit.js';
import type { Actor } from '../auth/types.js';
import type { Db, Queryable } from '../db/types.js';
import { getCompanyById } from '../ledger/companies.js';
import { loadCurrencyExponents } from '../ledger/currencies.js';
import type { Company } from '../ledger/types.js';
import { createMailer, mailSettings, recordMail, type MailSettings, type Mailer } from '../mail/mailer.js';
import { InputError } from '../shared/errors.js';
import { formatMinorGrouped } from '../shared/money.js';
import { contactsOf } from './contacts.js';
import { recordingDenial } from '../audit/denials.js';
import { checkDunningPermission, loadDunningSettings, type DunningSettings } from './dunning-levels.js';
import { dunningLetterPdf, dunningLettersPdf, fillBody, totalsText, type LetterDocument } from './dunning-pdf.js';
import { checkCompanyWide, dunningRunCompanyId, loadDunningRun, type DunningLetter } from './dunning.js';

/**
 * Builds what a letter shows from its stored amounts and text: the text
 * fixed at approval, or before approval the level's current text.
 */
export function letterDocument(company: Company, letter: DunningLetter, settings: DunningSettings, exponents: ReadonlyMap<string, number>): LetterDocument {
  const level = settings.levels[letter.level - 1];
  const text = letter.text ?? level?.texts[letter.language] ?? level?.texts.en ?? {
    subject: 'Payment reminder {level}',
    body: 'Dear {customerName}, the items below are overdue. The total due is {total}.\n{items}',
  };
  const filled = fillBody(text, {
    customerName: letter.customerName,
    customerNumber: letter.customerNumber,
    companyName: company.name,
    asOf: letter.asOf,
    level: String(letter.level),
    total: totalsText(letter.totals),
  });
  return {
    companyName: company.name,
    customerName: letter.customerName,
    customerNumber: letter.customerNumber,
    asOf: letter.asOf,
    level: letter.level,
    language: letter.language,
    ...filled,
    items: letter.items,
    feeCurrency: letter.feeCurrency,
    fee: letter.fee,
    feeExponent: letter.feeCurrency === null ? 2 : (exponents.get(letter.feeCurrency) ?? 2),
    totals: letter.totals,
  };
}

/** File name of a letter's PDF, such as `dunning-KW01-C100-2026-03-01-L2.pdf`. */
export function letterFileName(company: Company, letter: Pick<DunningLetter, 'customerNumber' | 'asOf' | 'level'>): string {
  const part = (text: string) => text.replace(/[^\w.-]+/g, '_').slice(0, 60) || '_';
  return `dunning-${part(company.code)}-${part(letter.customerNumber)}-${letter.asOf}-L${letter.level}.pdf`;
}

/** Renders one stored letter as a PDF. */
export async function renderLetterPdf(db: Queryable, company: Company, letter: DunningLetter): Promise<Buffer> {
  const [settings, exponents] = await Promise.all([loadDunningSettings(db, company.companyId), loadCurrencyExponents(db)]);
  return dunningLetterPdf(letterDocument(company, letter, settings, exponents));
}

export interface SendOptions {
  /** Mail server and sender; ARDESK_SMTP_URL and ARDESK_MAIL_FROM when omitted. */
  mail?: Partial<MailSettings>;
  /** Writes the letters of customers without a collections contact into this one PDF file. */
  printFile?: string;
}

export interface LetterOutcome {
  letterId: bigint;
  customerNumber: string;
  /** paid: every item of the letter was paid after approval, so it was dropped unsent. */
  status: 'sent' | 'failed' | 'printed' | 'to_print' | 'paid';
  to: string | null;
  error: string | null;
}

export interface SendResult {
  runId: bigint;
  sent: number;
  failed: number;
  printed: number;
  /** Letters without a contact, left approved because no print file was asked for. */
  toPrint: number;
  /** Letters dropped unsent because all their items were paid after approval. */
  paid: number;
  outcomes: LetterOutcome[];
}

/**
 * Mails one letter inside a transaction that locks its row: a second
 * send of the same run at the same time skips the letter instead of
 * mailing it again. Returns null when the letter was taken or sent meanwhile.
 */
async function sendOne(db: Db, mailer: Mailer, company: Company, letter: DunningLetter, document: LetterDocument, to: string, actor: Actor): Promise<LetterOutcome | null> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query(
      `select letter_id from dunning_letter
       where company_id = $1 and letter_id = $2 and status in ('approved', 'failed')
       for update skip locked`,
      [company.companyId, letter.letterId],
    );
    if (claimed.rows.length === 0) return null;
    const pdf = await dunningLetterPdf(document);
    const message = {
      to,
      subject: document.subject,
      text: [document.bodyBefore, itemsText(document), document.bodyAfter].filter(Boolean).join('\n\n'),
      attachments: [{ filename: letterFileName(company, letter), content: pdf, contentType: 'application/pdf' }],
    };
    let outcome: { sent: Awaited<ReturnType<Mailer['send']>> } | { error: string };
    try {
      outcome = { sent: await mailer.send(message) };
    } catch (error) {
      outcome = { error: error instanceof Error ? error.message : String(error) };
    }
    const status = 'sent' in outcome ? 'sent' : 'failed';
    const error = 'error' in outcome ? outcome.error : null;
    const mailId = await recordMail(
      tx,
      { companyId: company.companyId, customerId: letter.customerId, purpose: 'dunning', reference: `dunning letter ${letter.letterId} (run ${letter.runId}, level ${letter.level})`, message, outcome },
      actor,
    );
    await tx.query(
      `update dunning_letter set status = $3, to_address = $4, mail_id = $5, error = $6, sent_at = case when $3 = 'sent' then now() else sent_at end
       where company_id = $1 and letter_id = $2`,
      [company.companyId, letter.letterId, status, to, mailId, error],
    );
    return { letterId: letter.letterId, customerNumber: letter.customerNumber, status, to, error };
  });
}

/**
 * Sends the approved letters of a run that are not sent yet, and those
 * whose earlier send failed. Letters of customers without a collections
 * contact go into the print file when one is given; else they stay
 * approved. Raises InputError when the run is not approved, or when
 * letters are to be mailed and no mail server is configured.
 */
export async function sendDunningRun(db: Db, runId: bigint, actor: Actor, options: SendOptions = {}): Promise<SendResult> {
  return recordingDenial(db, actor, () => sendRun(db, runId, actor, options));
}

async function sendRun(db: Db, runId: bigint, actor: Actor, options: SendOptions): Promise<SendResult> {
  const companyId = await dunningRunCompanyId(db, runId);
  checkDunningPermission(actor, 'dunning.run', 'dunning.send', companyId);
  checkCompanyWide(actor, companyId, 'dunning.send', runId);
  const run = await loadDunningRun(db, runId);
  if (run.status !== 'approved') throw new InputError(`dunning run ${runId} is ${run.status}: approve it before sending`, 'not_approved', 'runId');
  const company = await getCompanyById(db, companyId);
  const [settings, exponents] = await Promise.all([loadDunningSettings(db, companyId), loadCurrencyExponents(db)]);
  const waiting = run.letters.filter((letter) => letter.status === 'approved' || letter.status === 'failed');
  const paid = await dropPaidLetters(db, companyId, waiting, actor);
  const pending = waiting.filter((letter) => !paid.has(letter.letterId));
  const contacts = await contactsOf(db, companyId, pending.map((letter) => letter.customerId), 'collections');
  const toMail = pending.filter((letter) => contacts.has(letter.customerId));
  const toPrint = pending.filter((letter) => !contacts.has(letter.customerId));

  const outcomes: LetterOutcome[] = waiting
    .filter((letter) => paid.has(letter.letterId))
    .map((letter) => ({ letterId: letter.letterId, customerNumber: letter.customerNumber, status: 'paid' as const, to: null, error: null }));
  if (toMail.length > 0) {
    const mailer = createMailer(mailSettings(options.mail ?? {}));
    try {
      for (const letter of toMail) {
        const contact = contacts.get(letter.customerId)!;
        // The letter keeps the language it was reviewed in, even if the contact's has changed since.
        const document = letterDocument(company, letter, settings, exponents);
        const outcome = await sendOne(db, mailer, company, letter, document, contact.email, actor);
        if (outcome !== null) outcomes.push(outcome);
      }
    } finally {
      mailer.close();
    }
  }
  if (toPrint.length > 0 && options.printFile !== undefined) {
    await writePrintFile(db, company, toPrint, settings, exponents, options.printFile);
    outcomes.push(...toPrint.map((letter) => ({ letterId: letter.letterId, customerNumber: letter.customerNumber, status: 'printed' as const, to: null, error: null })));
  } else {
    outcomes.push(...toPrint.map((letter) => ({ letterId: letter.letterId, customerNumber: letter.customerNumber, status: 'to_print' as const, to: null, error: null })));
  }
  const count = (status: LetterOutcome['status']) => outcomes.filter((outcome) => outcome.status === status).length;
  const result = { runId, sent: count('sent'), failed: count('failed'), printed: count('printed'), toPrint: count('to_print'), paid: count('paid'), outcomes };
  await recordAudit(db, {
    actor,
    action: 'dunning.send',
    entity: 'dunning_run',
    entityId: runId.toString(),
    companyId,
    after: { sent: result.sent, failed: result.failed, printed: result.printed, toPrint: result.toPrint, paid: result.paid },
  });
  return result;
}

async function writePrintFile(db: Db, company: Company, letters: readonly DunningLetter[], settings: DunningSettings, exponents: ReadonlyMap<string, number>, file: string): Promise<void> {
  const pdf = await dunningLettersPdf(
    letters.map((letter) => letterDocument(company, letter, settings, exponents)),
    `Dunning letters ${company.code} ${letters[0]!.asOf}`,
  );
  try {
    await writeFile(file, pdf);
  } catch (error) {
    throw new InputError(`failed to write ${file}: ${(error as Error).message}`, 'output_not_writable', 'print');
  }
  await db.query(
    `update dunning_letter set status = 'printed', sent_at = now() where company_id = $1 and letter_id = any($2::bigint[])`,
    [company.companyId, letters.map((letter) => letter.letterId.toString())],
  );
}

/**
 * Drops the letters none of whose items is still open today: a customer
 * who paid after approval gets no reminder. Returns their ids.
 */
async function dropPaidLetters(db: Db, companyId: number, letters: readonly DunningLetter[], actor: Actor): Promise<Set<bigint>> {
  if (letters.length === 0) return new Set();
  const result = await db.query<{ letter_id: bigint }>(
    `update dunning_letter l set status = 'dropped', dropped_by = $3, drop_reason = 'every item paid after approval'
     where l.company_id = $1 and l.letter_id = any($2::bigint[]) and l.status in ('approved', 'failed')
       and not exists (
         select 1 from dunning_letter_item li join open_item i on i.company_id = li.company_id and i.item_id = li.item_id
         where li.company_id = l.company_id and li.letter_id = l.letter_id
           and i.amount > coalesce((select sum(a.amount) from allocation a where a.company_id = i.company_id and a.debit_item_id = i.item_id), 0)
       )
     returning l.letter_id`,
    [companyId, letters.map((letter) => letter.letterId.toString()), actor.email],
  );
  return new Set(result.rows.map((row) => row.letter_id));
}

const itemWords = {
  en: { due: 'due', days: 'days', interest: 'interest', fee: 'fee', total: 'total' },
  ar: { due: 'الاستحقاق', days: 'يوماً', interest: 'فائدة', fee: 'رسوم', total: 'الإجمالي' },
} as const;

/**
 * Lists a letter's items as plain text for the message body, one line
 * each, so the body's words about the items below point at them.
 */
export function itemsText(document: Pick<LetterDocument, 'language' | 'items' | 'feeCurrency' | 'fee' | 'feeExponent' | 'totals'>): string {
  const words = itemWords[document.language];
  const lines = document.items.map(
    (item) =>
      `${item.documentNumber}  ${words.due} ${item.dueDate}  ${item.daysPastDue} ${words.days}  ${formatMinorGrouped(item.openAmount, item.exponent)} ${item.currency}` +
      (item.interest > 0n ? `  ${words.interest} ${formatMinorGrouped(item.interest, item.exponent)}` : ''),
  );
  if (document.feeCurrency !== null && document.fee > 0n) lines.push(`${words.fee}  ${formatMinorGrouped(document.fee, document.feeExponent)} ${document.feeCurrency}`);
  for (const total of document.totals) lines.push(`${words.total}  ${formatMinorGrouped(total.total, total.exponent)} ${total.currency}`);
  return lines.join('\n');
}
