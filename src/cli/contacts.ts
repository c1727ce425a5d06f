/**
 * `ardesk contact`: where a customer's dunning letters and statements are
 * mailed, and in which language letters are written.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { cliActor } from '../auth/actor.js';
import { contactPurposes, importContacts, letterLanguages, listContacts, setContact, type ContactRow } from '../collections/contacts.js';
import { getCompany } from '../ledger/index.js';
import { FileRowError, InputError } from '../shared/errors.js';
import { addDbOptions, withDb } from './context.js';
import { findCustomerId } from './options.js';

const contactColumns = ['customer_number', 'email', 'purpose', 'language', 'name'] as const;

/** Reads a contacts CSV: a header naming at least customer_number and email. */
export function parseContactCsv(file: string, text: string): ContactRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new InputError(`${file}: not a readable CSV file (${(error as Error).message})`, 'invalid_file', 'file');
  }
  const header = (records[0] ?? []).map((name) => name.trim().toLowerCase());
  for (const required of ['customer_number', 'email']) {
    if (!header.includes(required)) throw new FileRowError(file, 1, required, header.join(','), `the header has no ${required} column`);
  }
  const unknown = header.find((name) => !(contactColumns as readonly string[]).includes(name));
  if (unknown !== undefined) throw new FileRowError(file, 1, unknown, unknown, `unknown column; use ${contactColumns.join(', ')}`);
  const at = (record: string[], name: string) => {
    const index = header.indexOf(name);
    return index < 0 ? '' : (record[index] ?? '');
  };
  return records.slice(1).map((record, index) => ({
    line: index + 2,
    customerNumber: at(record, 'customer_number'),
    email: at(record, 'email'),
    purpose: at(record, 'purpose'),
    language: at(record, 'language'),
    name: at(record, 'name'),
  }));
}

export function registerContactCommands(program: Command): void {
  const contact = program.command('contact').description("customers' contacts for dunning letters and statements");

  addDbOptions(
    contact
      .command('set')
      .description("set a customer's contact for a purpose")
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--customer <number>', 'customer number')
      .requiredOption('--email <address>', 'email address')
      .option('--purpose <purpose>', contactPurposes.join(' or '), 'collections')
      .option('--language <code>', `letter language: ${letterLanguages.join(', ')}`, 'en')
      .option('--name <name>', 'the person or department'),
  ).action(
    async (options: { dataDir?: string; company: string; customer: string; email: string; purpose: string; language: string; name?: string }) => {
      await withDb(options, async (db) => {
        const company = await getCompany(db, options.company);
        const customerId = await findCustomerId(db, company, options.customer);
        const saved = await setContact(
          db,
          company.companyId,
          { customerId, purpose: options.purpose, email: options.email, language: options.language, name: options.name },
          cliActor(),
        );
        console.log(`${options.customer}: ${saved.purpose} contact ${saved.email} (${saved.language})`);
      });
    },
  );

  addDbOptions(
    contact
      .command('import <file>')
      .description('load contacts from a CSV file with columns customer_number, email and optionally purpose, language, name')
      .requiredOption('--company <code>', 'company code'),
  ).action(async (file: string, options: { dataDir?: string; company: string }) => {
    const rows = parseContactCsv(basename(file), await readFile(file, 'utf8'));
    await withDb(options, async (db) => {
      const company = await getCompany(db, options.company);
      const count = await importContacts(db, company.companyId, basename(file), rows, cliActor());
      console.log(`${count} contacts set for ${company.code}`);
    });
  });

  addDbOptions(
    contact.command('show <customer>').description("a customer's contacts").requiredOption('--company <code>', 'company code'),
  ).action(async (customer: string, options: { dataDir?: string; company: string }) => {
    await withDb(options, async (db) => {
      const company = await getCompany(db, options.company);
      const customerId = await findCustomerId(db, company, customer);
      const contacts = await listContacts(db, company.companyId, customerId);
      if (contacts.length === 0) {
        console.log(`${customer}: no contact`);
        return;
      }
      console.log('purpose\temail\tlanguage\tname');
      for (const entry of contacts) console.log(`${entry.purpose}\t${entry.email}\t${entry.language}\t${entry.name ?? ''}`);
    });
  });
}
