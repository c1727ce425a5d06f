/** Timing, memory sampling, progress lines and table layout for the benchmark. */
import { performance } from 'node:perf_hooks';
import type { Db, Queryable } from '../src/db/types.js';

/** Count and total time of the statements that start with the same words. */
export interface StatementTime {
  statement: string;
  count: number;
  ms: number;
}

/**
 * Wraps `db` so that every statement run inside `transaction` is timed,
 * keyed by its first words. The time is measured around the driver's
 * query call, so it includes sending parameters and reading rows back.
 */
export function traceStatements(db: Db): { db: Db; times: () => StatementTime[] } {
  const totals = new Map<string, StatementTime>();
  const record = (sql: string, start: number) => {
    const statement = sql.replace(/\s+/g, ' ').trim().split(' ').slice(0, 4).join(' ');
    const entry = totals.get(statement) ?? { statement, count: 0, ms: 0 };
    entry.count++;
    entry.ms += performance.now() - start;
    totals.set(statement, entry);
  };
  const timed = (target: Queryable): Queryable => ({
    async query(sql, params) {
      const start = performance.now();
      try {
        return await target.query(sql, params);
      } finally {
        record(sql, start);
      }
    },
    async copyOut(sql) {
      const start = performance.now();
      try {
        return await target.copyOut(sql);
      } finally {
        record(`copy out ${sql}`, start);
      }
    },
    async copyRows(table, columns, lines) {
      const start = performance.now();
      try {
        return await target.copyRows(table, columns, lines);
      } finally {
        record(`copy ${table}`, start);
      }
    },
  });
  const traced: Db = Object.create(db) as Db;
  traced.transaction = (work) => db.transaction((tx) => work(timed(tx)));
  return { db: traced, times: () => [...totals.values()].sort((a, b) => b.ms - a.ms) };
}

export interface Measurement<T> {
  result: T;
  /** Wall-clock times of the measured runs, after one warm-up run. */
  runsMs: number[];
  medianMs: number;
  minMs: number;
}

/** Runs `work` once to warm up, then `repeat` times, timing each run. */
export async function measure<T>(repeat: number, work: () => Promise<T> | T): Promise<Measurement<T>> {
  let result = await work();
  const runsMs: number[] = [];
  for (let run = 0; run < repeat; run++) {
    const start = performance.now();
    result = await work();
    runsMs.push(performance.now() - start);
  }
  return summarise(result, runsMs);
}

/**
 * Times two ways of computing the same thing: one warm-up run of each,
 * then `repeat` rounds that alternate them, so that a change in machine
 * load during the runs affects both alike.
 */
export async function measurePair<A, B>(
  repeat: number,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[Measurement<A>, Measurement<B>]> {
  let firstResult = await first();
  let secondResult = await second();
  const firstRuns: number[] = [];
  const secondRuns: number[] = [];
  for (let run = 0; run < repeat; run++) {
    let start = performance.now();
    firstResult = await first();
    firstRuns.push(performance.now() - start);
    start = performance.now();
    secondResult = await second();
    secondRuns.push(performance.now() - start);
  }
  return [summarise(firstResult, firstRuns), summarise(secondResult, secondRuns)];
}

function summarise<T>(result: T, runsMs: number[]): Measurement<T> {
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { result, runsMs, medianMs: sorted[Math.floor(sorted.length / 2)]!, minMs: sorted[0]! };
}

/**
 * Samples the resident set size (RSS) every `intervalMs` and keeps the
 * maximum. Sampling can miss a short spike between two samples.
 */
export class MemorySampler {
  private peak = process.memoryUsage().rss;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 20) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): number {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
    return this.peak;
  }

  get peakBytes(): number {
    return this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Progress lines on stderr, each prefixed with the seconds since start.
 * On a terminal the current line also shows a running clock.
 */
export class Progress {
  private readonly start = performance.now();
  private current = '';
  private readonly timer: NodeJS.Timeout | null;

  constructor() {
    const tty = process.stderr.isTTY === true;
    this.timer = tty ? setInterval(() => this.redraw(), 500) : null;
    this.timer?.unref();
  }

  private stamp(): string {
    return `[${((performance.now() - this.start) / 1000).toFixed(1).padStart(6)} s]`;
  }

  private redraw(): void {
    if (this.current) process.stderr.write(`\r${this.stamp()} ${this.current}\x1b[K`);
  }

  /** Prints a new status line. */
  step(text: string): void {
    if (this.timer && this.current) process.stderr.write('\n');
    this.current = text;
    if (this.timer) this.redraw();
    else process.stderr.write(`${this.stamp()} ${text}\n`);
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      if (this.current) process.stderr.write('\n');
    }
    this.current = '';
  }
}

/** Lays out rows as a plain-text table with right-aligned numbers. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}
