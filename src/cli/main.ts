import { Command, CommanderError } from 'commander';
import { registerImportCommands } from './import.js';
import { registerAgingCommands } from './aging.js';
import { registerKpiCommand } from './kpi.js';
import { registerServerCommands } from './serve.js';
import { registerDemoCommand } from './demo.js';
import { registerLedgerCommands } from './ledger.js';
import { registerUserCommands } from './user.js';
import { registerCashCommands } from './cash.js';
import { registerCheckCommands } from './checks.js';
import { registerBankCommands } from './bank.js';
import { registerJobCommands } from './jobs.js';
import { registerStatementCommand } from './statement.js';
import { registerReviewCommands } from './review.js';
import { registerCollectionWorkCommands } from './collections-work.js';
import { registerWorklistCommands } from './worklist.js';
import { registerContactCommands } from './contacts.js';
import { registerDunningCommands } from './dunning.js';
import { reportCliError } from './context.js';

export function buildProgram(): Command {
  const program = new Command('ardesk')
    .description('Credit and collections workbench: AR ledger, aging and KPIs')
    .version('0.1.0')
    .configureOutput({
      outputError: (text, write) => write(`ardesk: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage)');
  registerLedgerCommands(program);
  registerImportCommands(program);
  registerAgingCommands(program);
  registerKpiCommand(program);
  registerServerCommands(program);
  registerDemoCommand(program);
  registerUserCommands(program);
  registerCashCommands(program);
  registerCheckCommands(program);
  registerBankCommands(program);
  registerJobCommands(program);
  registerStatementCommand(program);
  registerReviewCommands(program);
  registerCollectionWorkCommands(program);
  registerWorklistCommands(program);
  registerContactCommands(program);
  registerDunningCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    reportCliError(error);
  }
}
