#!/usr/bin/env node
import { register } from 'tsx/esm/api';

// A reader that stops early, such as `ardesk aging | head`, closes the
// pipe; that ends the command quietly instead of with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
