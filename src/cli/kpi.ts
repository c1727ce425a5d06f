import type { Command } from 'commander';

// TODO: commands not written yet.
export function registerKpiCommand(program: Command): void {
  void program;
}
