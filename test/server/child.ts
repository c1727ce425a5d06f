import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/ardesk.mjs', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  exited: Promise<number | string>;
}

/** Starts `ardesk ARGS` as a child process with `env` added to this process's environment. */
export function startCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Waits until stdout has a pino line with message `message` and returns
 * that entry. Fails when the process exits first or `timeoutMs` passes.
 */
export async function waitForLogLine(
  running: RunningCli,
  message: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | string | undefined;
  void running.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    for (const line of running.stdout().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === message) return entry;
    }
    if (exitCode !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `no log line "${message}" (exit ${String(exitCode)})\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`,
  );
}
