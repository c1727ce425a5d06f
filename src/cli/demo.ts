import type { Command } from 'commander';

// TODO: command not written yet.
export function registerDemoCommand(program: Command): void {
  void program;
}
