/**
 * Batch statements on the benchmark ledger: 1,000 statements of account
 * for the last month, drawn as PDF files, then mailed to a mail server on
 * a loopback port that accepts and discards every message. The baseline
 * in the same run builds the same statements' data (every query of
 * `customerStatement`) without drawing them, so the PDF share of the time
 * is the difference. Peak memory is the process RSS sampled every 20 ms
 * during each phase.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';
import { cliActor } from '../src/auth/actor.js';
import { runStatementBatch } from '../src/collections/statement-batch.js';
import { customerStatement } from '../src/collections/statement.js';
import type { Db } from '../src/db/types.js';
import { getCompany } from '../src/ledger/index.js';
import { createMailer } from '../src/mail/mailer.js';
import type { IsoDate } from '../src/shared/dates.js';
import { formatCount, formatMiB, formatMs, formatTable, MemorySampler } from './support.js';

export interface StatementBenchResult {
  customers: number;
  from: IsoDate;
  to: IsoDate;
  /** Baseline: the statements' data only. */
  dataMs: number;
  dataPeakRssBytes: number;
  pdfMs: number;
  pdfPeakRssBytes: number;
  pdfFiles: number;
  pdfBytes: number;
  /** RSS when the PDF phase started, to set the peak against. */
  rssBeforeBytes: number;
  mailMs: number | null;
  mailed: number;
  mailPeakRssBytes: number | null;
}

/** The number of statements the benchmark draws. */
export const benchStatementCount = 1_000;

/**
 * Picks customers spread evenly over the customer numbers of the company:
 * every n-th of those with at least one item, the same on every run.
 */
async function pickCustomers(db: Db, companyId: number, count: number): Promise<string[]> {
  const result = await db.query<{ customer_number: string }>(
    `select c.customer_number from customer c
     where c.company_id = $1 and exists (select 1 from open_item i where i.company_id = c.company_id and i.customer_id = c.customer_id)
     order by c.customer_number collate "C"`,
    [companyId],
  );
  const numbers = result.rows.map((row) => row.customer_number);
  const step = Math.max(1, Math.floor(numbers.length / count));
  return numbers.filter((_, index) => index % step === 0).slice(0, count);
}

/** Starts a mail server on a loopback port that accepts every message and keeps nothing. */
async function startSink(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; peakRssBytes: number }> {
  const memory = new MemorySampler();
  const started = performance.now();
  try {
    const result = await work();
    return { result, ms: performance.now() - started, peakRssBytes: memory.peakBytes };
  } finally {
    memory.stop();
  }
}

/**
 * Runs the statement benchmark: data only, PDF files, then mail. The
 * mail phase gives the picked customers a statements contact first (one
 * insert, as an import of contacts would), which stays in the database.
 */
export async function runStatementBench(
  db: Db,
  options: { companyCode: string; endDate: IsoDate; progress: (text: string) => void },
): Promise<StatementBenchResult> {
  const company = await getCompany(db, options.companyCode);
  const from = `${options.endDate.slice(0, 7)}-01`;
  const to = options.endDate;
  const numbers = await pickCustomers(db, company.companyId, benchStatementCount);
  const request = { company: company.code, from, to, selection: { kind: 'customers' as const, customerNumbers: numbers } };
  const actor = cliActor();

  options.progress(`statements: data of ${numbers.length} statements (baseline)`);
  const data = await timed(async () => {
    for (const customerNumber of numbers) await customerStatement(db, { company: company.code, customerNumber, from, to });
  });

  const folder = await mkdtemp(join(tmpdir(), 'ardesk-bench-statements-'));
  try {
    options.progress(`statements: ${numbers.length} PDF files`);
    const rssBeforeBytes = process.memoryUsage().rss;
    const pdf = await timed(() =>
      runStatementBatch(db, request, {
        printDir: folder,
        onOutcome: (_outcome, done, total) => {
          if (done % 100 === 0) options.progress(`statements: ${done} of ${total} PDF files`);
        },
      }, actor),
    );
    const files = await readdir(folder);
    let pdfBytes = 0;
    for (const file of files) pdfBytes += (await stat(join(folder, file))).size;

    options.progress(`statements: mailing ${numbers.length} statements to a local mail server`);
    await db.query(
      `insert into customer_contact (company_id, customer_id, purpose, email, updated_by)
       select company_id, customer_id, 'statements', 'ap-' || customer_id || '@bench.example', 'bench'
       from customer where company_id = $1 and customer_number = any($2::text[])
       on conflict (company_id, customer_id, purpose) do nothing`,
      [company.companyId, numbers],
    );
    const sink = await startSink();
    const mailer = createMailer({ url: sink.url, from: 'Bench AR <ar@bench.example>' });
    try {
      const mail = await timed(() => runStatementBatch(db, request, { mailer }, actor));
      return {
        customers: numbers.length,
        from,
        to,
        dataMs: data.ms,
        dataPeakRssBytes: data.peakRssBytes,
        pdfMs: pdf.ms,
        pdfPeakRssBytes: pdf.peakRssBytes,
        pdfFiles: files.length,
        pdfBytes,
        rssBeforeBytes,
        mailMs: mail.ms,
        mailed: mail.result.sent,
        mailPeakRssBytes: mail.peakRssBytes,
      };
    } finally {
      mailer.close();
      await sink.close();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export function printStatementResults(result: StatementBenchResult): void {
  const perStatement = (ms: number) => formatMs(ms / Math.max(1, result.customers));
  const rows = [
    ['data only (baseline)', formatCount(result.customers), formatMs(result.dataMs), perStatement(result.dataMs), formatMiB(result.dataPeakRssBytes)],
    ['data + PDF files', formatCount(result.pdfFiles), formatMs(result.pdfMs), perStatement(result.pdfMs), formatMiB(result.pdfPeakRssBytes)],
  ];
  if (result.mailMs !== null) {
    rows.push(['data + PDF + mail', formatCount(result.mailed), formatMs(result.mailMs), perStatement(result.mailMs), formatMiB(result.mailPeakRssBytes ?? 0)]);
  }
  process.stdout.write(`Statements of account ${result.from} to ${result.to}, ${formatCount(result.customers)} customers\n`);
  process.stdout.write(`${formatTable(['phase', 'statements', 'ms', 'ms each', 'peak RSS'], rows)}\n`);
  process.stdout.write(
    `PDF files: ${formatCount(result.pdfBytes / 1024)} KiB in all; RSS before the PDF phase ${formatMiB(result.rssBeforeBytes)}\n\n`,
  );
}
