import type { Command } from 'commander';

// TODO: commands not written yet.
export function registerAgingCommands(program: Command): void {
  void program;
}
