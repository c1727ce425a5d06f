import type { Command } from 'commander';

// TODO: commands not written yet.
export function registerImportCommands(program: Command): void {
  void program;
}
