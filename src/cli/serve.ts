import type { Command } from 'commander';

// TODO: commands not written yet.
export function registerServerCommands(program: Command): void {
  void program;
}
