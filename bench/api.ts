/**
 * Benchmark of the HTTP API under load, and of the browser app's first page.
 *
 * `runApiBench` starts the real server on an open database that already
 * contains the benchmark ledger, gives each of 20 users an API token and
 * loads the read endpoints with autocannon, one endpoint at a time, every
 * connection signed in as a different user. The load runs in a child
 * process (this file started with `--load-client`), so that the client
 * does not share the server's event loop. Aging requests are also timed
 * one at a time and compared with the same `agingReport` call made in
 * this process.
 *
 * Run on its own, it generates and imports a ledger first:
 *   node bin/run-ts.mjs bench/api.ts --items 100000 --customers 10000 [--engine pglite|postgres]
 */
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { EventEmitter } from 'node:events';
import { openDb } from '../src/db/open.js';
import type { Db } from '../src/db/types.js';
import { buildApp } from '../src/server/app.js';
import { addUser, cliActor, createToken, unrestricted, type Role } from '../src/auth/index.js';
import { agingReport, defaultBucketLimits, type AgingGrouping, type AgingRequest } from '../src/aging/index.js';
import { applyImport, getCompany } from '../src/ledger/index.js';
import { benchCompanyCode, generateBenchLedger } from '../src/demo/bench-ledger.js';
import { fromEpochDay, isIsoDate, toEpochDay, type IsoDate } from '../src/shared/dates.js';
import { formatCount, formatMs, formatTable, Progress } from './support.js';

const benchFile = fileURLToPath(import.meta.url);
const packageRoot = resolve(dirname(benchFile), '..');

/** The product's aims that this benchmark checks. */
export const apiAims = {
  /** p95 of dashboard, customer list and customer page with 20 users. */
  p95Ms: 200,
  coldCustomerListMs: 100,
  /** API p95 over the in-process computation's p95, for aging. */
  agingOverheadRatio: 1.2,
  firstPageGzipBytes: 500_000,
} as const;

/** Latencies and counts of one endpoint under load. */
export interface EndpointResult {
  label: string;
  /** One request of the rotation, as an example. */
  path: string;
  /** How many different paths the connections rotate over. */
  distinctPaths: number;
  connections: number;
  /** Measured seconds, after the warm-up. */
  seconds: number;
  /** Responses with a 2xx status. */
  okResponses: number;
  requestsPerSecond: number;
  /** Latency percentiles of the 2xx responses (nearest rank), in ms; null without any. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Responses with a status other than 2xx. */
  non2xx: number;
  /** Count of each status code. */
  statusCodes: Record<string, number>;
  /** Connection errors, timeouts included. */
  connectionErrors: number;
  timeouts: number;
  /** Time the server took to finish requests still running when the client stopped. */
  drainMs: number;
}

/** An aging request timed in this process and through the API, one at a time. */
export interface AgingComparison {
  label: string;
  runs: number;
  computationP50Ms: number;
  computationP95Ms: number;
  /** p95 of the same requests through the API, one connection. */
  apiP95Ms: number | null;
  /** apiP95Ms ÷ computationP95Ms. */
  ratio: number | null;
}

export interface WebAsset {
  path: string;
  bytes: number;
  gzipBytes: number;
}

export interface WebAssetsResult {
  /** Scripts, style sheets and module preloads that index.html loads. */
  assets: WebAsset[];
  totalGzipBytes: number;
  /** Set when the app could not be built or read; assets are then empty. */
  problem: string | null;
}

export interface ApiBenchResult {
  companyCode: string;
  engine: Db['engine'];
  users: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Description of the load client. */
  loadClient: string;
  /** First customer-list page right after the server started. */
  coldCustomerList: { ms: number; status: number };
  /** Each endpoint with one connection per user. */
  underLoad: EndpointResult[];
  /** The aging endpoints with a single connection. */
  singleConnection: EndpointResult[];
  agingComparisons: AgingComparison[];
  webAssets: WebAssetsResult;
  loadAverages: { start: number[]; end: number[] };
  /** Every error response, connection error and missed aim, in words. */
  failures: string[];
  /** Missed aims, in words (also in `failures`). */
  missedAims: string[];
}

export interface ApiBenchOptions {
  companyCode: string;
  /** Users, one connection each; 20 by default. */
  users?: number;
  /** Measured seconds per endpoint; 10 by default. */
  durationSeconds?: number;
  progress?: (text: string) => void;
}

/** One load run, as sent to the load client. */
interface LoadJob {
  origin: string;
  paths: string[];
  tokens: string[];
  connections: number;
  durationSeconds: number;
  timeoutSeconds: number;
}

/** Result of one load run, as the load client reports it. */
interface LoadRun {
  seconds: number;
  okLatenciesMs: number[];
  statusCodes: Record<string, number>;
  connectionErrors: number;
  timeouts: number;
}

type ClientMessage = { kind: 'result'; run: LoadRun } | { kind: 'error'; message: string };

const warmupSeconds = 2;
const requestTimeoutSeconds = 60;
/** Maximum wait for the server to finish the requests a stopped load run left behind. */
const drainLimitMs = 120_000;

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], percent: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Counts the requests this server is still working on. A request ends
 * when the server calls `end` on its response, which Fastify does even
 * when the client has already closed the connection, so the requests a
 * stopped load run left behind are counted until they finish.
 */
class RunningRequests {
  running = 0;

  constructor(server: Server) {
    server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.running++;
      const end = response.end;
      let ended = false;
      response.end = ((...args: Parameters<ServerResponse['end']>) => {
        if (!ended) {
          ended = true;
          this.running--;
        }
        return end.apply(response, args);
      }) as ServerResponse['end'];
    });
  }

  /** Waits until no request runs, at most `limitMs`; returns the time waited. */
  async idle(limitMs: number): Promise<number> {
    const start = performance.now();
    while (this.running > 0 && performance.now() - start < limitMs) {
      await new Promise((done) => setTimeout(done, 20));
    }
    return performance.now() - start;
  }
}

/** The child process that runs autocannon, one job at a time. */
class LoadClient {
  private readonly child: ChildProcess;
  private pending: { resolve: (run: LoadRun) => void; reject: (error: Error) => void } | null = null;

  constructor() {
    this.child = fork(join(packageRoot, 'bin', 'run-ts.mjs'), [benchFile, '--load-client'], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: ClientMessage) => {
      const pending = this.pending;
      this.pending = null;
      if (!pending) return;
      if (message.kind === 'result') pending.resolve(message.run);
      else pending.reject(new Error(`load client: ${message.message}`));
    });
    this.child.on('exit', (code) => {
      this.pending?.reject(new Error(`the load client exited with code ${code}`));
      this.pending = null;
    });
  }

  run(job: LoadJob): Promise<LoadRun> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(job);
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** Runs one GET request and returns its status and wall-clock time. */
function timedGet(origin: string, path: string, token: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const request = httpRequest(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - start }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Customer ids spread evenly over the company's customers, at most `count`. */
async function spreadCustomerIds(db: Db, companyId: number, count: number): Promise<string[]> {
  const result = await db.query<{ customer_id: string }>(
    'select customer_id::text as customer_id from customer where company_id = $1 order by customer_id',
    [companyId],
  );
  const ids = result.rows.map((row) => row.customer_id);
  const step = Math.max(1, Math.floor(ids.length / count));
  return ids.filter((_, index) => index % step === 0).slice(0, count);
}

/** As-of dates spread evenly from a month after the first posting to the last one. */
async function spreadDates(db: Db, companyId: number, count: number): Promise<IsoDate[]> {
  const result = await db.query<{ first: string | null; last: string | null }>(
    'select min(posting_date) as first, max(posting_date) as last from open_item where company_id = $1',
    [companyId],
  );
  const { first, last } = result.rows[0] ?? { first: null, last: null };
  if (first === null || last === null) throw new Error('the benchmark company has no items');
  const from = Math.min(toEpochDay(first) + 30, toEpochDay(last));
  const to = toEpochDay(last);
  const dates: IsoDate[] = [];
  for (let index = 0; index < count; index++) {
    dates.push(fromEpochDay(from + Math.round(((to - from) * index) / Math.max(1, count - 1))));
  }
  return [...new Set(dates)];
}

function endpointResult(label: string, job: LoadJob, run: LoadRun, drainMs: number): EndpointResult {
  const sorted = [...run.okLatenciesMs].sort((a, b) => a - b);
  let non2xx = 0;
  for (const [status, count] of Object.entries(run.statusCodes)) {
    if (!status.startsWith('2')) non2xx += count;
  }
  return {
    label,
    path: job.paths[0]!,
    distinctPaths: job.paths.length,
    connections: job.connections,
    seconds: run.seconds,
    okResponses: sorted.length,
    requestsPerSecond: run.seconds > 0 ? sorted.length / run.seconds : 0,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : null,
    non2xx,
    statusCodes: run.statusCodes,
    connectionErrors: run.connectionErrors,
    timeouts: run.timeouts,
    drainMs,
  };
}

/** Reads dist/web/index.html, building the app first when it is missing, and sizes what it loads. */
export function measureWebAssets(progress: (text: string) => void = () => {}): WebAssetsResult {
  const webDir = join(packageRoot, 'dist', 'web');
  const indexFile = join(webDir, 'index.html');
  try {
    if (!existsSync(indexFile)) {
      progress('building the browser app');
      execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: packageRoot, stdio: 'ignore' });
    }
    const html = readFileSync(indexFile, 'utf8');
    const paths = new Set<string>();
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
      const src = /\bsrc="([^"]+)"/.exec(tag)?.[1];
      if (src) paths.add(src);
    }
    for (const tag of html.match(/<link\b[^>]*>/g) ?? []) {
      const rel = /\brel="([^"]+)"/.exec(tag)?.[1] ?? '';
      const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
      if (href && /\b(stylesheet|modulepreload)\b/.test(rel)) paths.add(href);
    }
    const assets = [...paths].map((path) => {
      const content = readFileSync(join(webDir, path.replace(/^\//, '')));
      return { path, bytes: content.length, gzipBytes: gzipSync(content).length };
    });
    if (assets.length === 0) throw new Error('index.html loads no script or style sheet');
    return { assets, totalGzipBytes: assets.reduce((sum, asset) => sum + asset.gzipBytes, 0), problem: null };
  } catch (error) {
    return { assets: [], totalGzipBytes: 0, problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Starts the API server on `db`, which must contain the company
 * `options.companyCode`, and measures its read endpoints. The server is
 * closed before it returns; the users and tokens it made stay in `db`.
 */
export async function runApiBench(db: Db, options: ApiBenchOptions): Promise<ApiBenchResult> {
  const users = options.users ?? 20;
  const durationSeconds = options.durationSeconds ?? 10;
  const progress = options.progress ?? (() => {});
  const code = options.companyCode;
  const startLoad = loadavg();
  const failures: string[] = [];
  const missedAims: string[] = [];

  const company = await getCompany(db, code);
  const customerIds = await spreadCustomerIds(db, company.companyId, 500);
  const dates = await spreadDates(db, company.companyId, 24);
  const companyParam = `company=${encodeURIComponent(code)}`;

  progress('api: starting the server');
  const app = await buildApp(db, { logLevel: 'silent' });
  let client: LoadClient | null = null;
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const handlers = new RunningRequests(app.server);

    progress(`api: creating ${users} users with API tokens`);
    const tokens: string[] = [];
    for (let index = 0; index < users; index++) {
      const email = `bench-${process.pid}-${Date.now()}-${index}@example.test`;
      const role: Role = index % 2 === 0 ? 'finance' : 'admin';
      await addUser(
        db,
        { email, name: `Benchmark user ${index + 1}`, role, password: `bench-password-${index}-${process.pid}-long` },
        cliActor(),
      );
      tokens.push((await createToken(db, email, 'benchmark', cliActor())).token);
    }

    progress('api: first customer-list page (cold)');
    const cold = await timedGet(origin, `/api/v1/customers?${companyParam}`, tokens[0]!);
    if (cold.status !== 200) failures.push(`cold customer list answered ${cold.status}`);

    client = new LoadClient();
    const loadClient = client;
    const measureEndpoint = async (label: string, paths: string[], connections: number): Promise<EndpointResult> => {
      const job: LoadJob = {
        origin,
        paths,
        tokens,
        connections,
        durationSeconds: warmupSeconds,
        timeoutSeconds: requestTimeoutSeconds,
      };
      progress(`api: ${label}, ${connections} connection(s), warm-up`);
      await loadClient.run(job);
      await handlers.idle(drainLimitMs);
      progress(`api: ${label}, ${connections} connection(s), ${durationSeconds} s`);
      const run = await loadClient.run({ ...job, durationSeconds });
      const drainMs = await handlers.idle(drainLimitMs);
      if (handlers.running > 0) {
        failures.push(`${label}: ${handlers.running} request(s) still running ${drainLimitMs / 1000} s after the load stopped`);
      }
      const result = endpointResult(label, job, run, drainMs);
      if (result.non2xx > 0) {
        const codes = Object.entries(result.statusCodes)
          .filter(([status]) => !status.startsWith('2'))
          .map(([status, count]) => `${count} × ${status}`)
          .join(', ');
        failures.push(`${label} (${connections} conn.): ${result.non2xx} error response(s): ${codes}`);
      }
      if (result.connectionErrors > 0) {
        failures.push(
          `${label} (${connections} conn.): ${result.connectionErrors} connection error(s), ${result.timeouts} of them timeouts`,
        );
      }
      if (result.okResponses === 0) failures.push(`${label} (${connections} conn.): no successful response`);
      return result;
    };

    const agingPaths = (grouping: AgingGrouping) =>
      dates.map((date) => `/api/v1/aging?${companyParam}&asOf=${date}&by=${grouping}`);
    const underLoad: EndpointResult[] = [];
    underLoad.push(await measureEndpoint('dashboard', [`/api/v1/dashboard?${companyParam}`], users));
    underLoad.push(await measureEndpoint('customer list', [`/api/v1/customers?${companyParam}`], users));
    underLoad.push(
      await measureEndpoint('customer list by overdue', [`/api/v1/customers?${companyParam}&sort=overdue&dir=desc`], users),
    );
    underLoad.push(
      await measureEndpoint(
        'customer page',
        customerIds.map((id) => `/api/v1/customers/${id}?${companyParam}`),
        users,
      ),
    );
    underLoad.push(await measureEndpoint('aging by region', agingPaths('region'), users));
    underLoad.push(await measureEndpoint('aging by customer', agingPaths('customer'), users));
    const singleConnection: EndpointResult[] = [];
    singleConnection.push(await measureEndpoint('aging by region', agingPaths('region'), 1));
    singleConnection.push(await measureEndpoint('aging by customer', agingPaths('customer'), 1));
    client.close();
    client = null;

    progress('api: aging in this process');
    const agingComparisons: AgingComparison[] = [];
    for (const grouping of ['region', 'customer'] as const) {
      const label = `aging by ${grouping}`;
      const request = (asOf: IsoDate): AgingRequest => ({
        companies: [code],
        asOf,
        basis: 'due',
        groupBy: grouping,
        bucketLimits: defaultBucketLimits,
        currency: 'local',
        ageCredits: false,
        scope: unrestricted,
      });
      await agingReport(db, request(dates[0]!));
      const times: number[] = [];
      for (let pass = 0; pass < 2; pass++) {
        for (const date of dates) {
          const start = performance.now();
          await agingReport(db, request(date));
          times.push(performance.now() - start);
        }
      }
      times.sort((a, b) => a - b);
      const computationP95Ms = percentile(times, 95)!;
      const apiP95Ms = singleConnection.find((entry) => entry.label === label)?.p95Ms ?? null;
      const ratio = apiP95Ms === null ? null : apiP95Ms / computationP95Ms;
      agingComparisons.push({
        label,
        runs: times.length,
        computationP50Ms: percentile(times, 50)!,
        computationP95Ms,
        apiP95Ms,
        ratio,
      });
      if (ratio !== null && ratio > apiAims.agingOverheadRatio) {
        missedAims.push(
          `${label}: API p95 ${formatMs(apiP95Ms)} ms is ${ratio.toFixed(2)} × the computation's ${formatMs(computationP95Ms)} ms (aim ≤ ${apiAims.agingOverheadRatio})`,
        );
      }
    }

    const webAssets = measureWebAssets(progress);
    if (webAssets.problem !== null) failures.push(`browser app: ${webAssets.problem}`);
    else if (webAssets.totalGzipBytes > apiAims.firstPageGzipBytes) {
      missedAims.push(
        `first page JavaScript and CSS: ${formatCount(webAssets.totalGzipBytes)} bytes gzipped (aim < ${formatCount(apiAims.firstPageGzipBytes)})`,
      );
    }
    for (const entry of underLoad) {
      if (!['dashboard', 'customer list', 'customer list by overdue', 'customer page'].includes(entry.label)) continue;
      if (entry.p95Ms === null || entry.p95Ms >= apiAims.p95Ms) {
        missedAims.push(`${entry.label}: p95 ${formatMs(entry.p95Ms)} ms with ${entry.connections} users (aim < ${apiAims.p95Ms} ms)`);
      }
    }
    if (cold.ms >= apiAims.coldCustomerListMs) {
      missedAims.push(`first customer-list page: ${formatMs(cold.ms)} ms (aim < ${apiAims.coldCustomerListMs} ms)`);
    }

    return {
      companyCode: code,
      engine: db.engine,
      users,
      connections: users,
      durationSeconds,
      warmupSeconds,
      loadClient:
        'autocannon in a child process; one connection per user, each with its own API token set in setupClient; paths rotate over a shared list',
      coldCustomerList: { ms: cold.ms, status: cold.status },
      underLoad,
      singleConnection,
      agingComparisons,
      webAssets,
      loadAverages: { start: startLoad, end: loadavg() },
      failures: [...failures, ...missedAims.map((text) => `missed aim: ${text}`)],
      missedAims,
    };
  } finally {
    client?.close();
    await app.close();
  }
}

/** Prints the results as plain tables, and every failure in capitals on stderr. */
export function printApiResults(result: ApiBenchResult): void {
  const row = (entry: EndpointResult) => [
    entry.label,
    entry.path.replace(/\?.*$/, ''),
    String(entry.connections),
    formatCount(entry.okResponses),
    entry.requestsPerSecond.toFixed(1),
    formatMs(entry.p50Ms),
    formatMs(entry.p95Ms),
    formatMs(entry.p99Ms),
    formatMs(entry.maxMs),
    String(entry.non2xx),
    String(entry.connectionErrors),
  ];
  const header = ['endpoint', 'path', 'conn.', '2xx', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'non-2xx', 'conn. errors'];
  process.stdout.write(
    `\nAPI on ${result.engine}, company ${result.companyCode}: ${result.users} users, ` +
      `${result.durationSeconds} s per endpoint after a ${result.warmupSeconds} s warm-up\n\n`,
  );
  process.stdout.write(
    `${formatTable(header, [...result.underLoad, ...result.singleConnection].map(row))}\n\n`,
  );
  process.stdout.write(
    `First customer-list page after start (cold): ${formatMs(result.coldCustomerList.ms)} ms, status ${result.coldCustomerList.status}\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      ['aging', 'runs', 'in-process p50 ms', 'in-process p95 ms', 'API p95 ms (1 conn.)', 'API/in-process'],
      result.agingComparisons.map((entry) => [
        entry.label,
        String(entry.runs),
        formatMs(entry.computationP50Ms),
        formatMs(entry.computationP95Ms),
        formatMs(entry.apiP95Ms),
        entry.ratio === null ? '-' : entry.ratio.toFixed(2),
      ]),
    )}\n\n`,
  );
  if (result.webAssets.problem === null) {
    process.stdout.write(
      `${formatTable(
        ['first page asset', 'kind', 'bytes', 'gzipped bytes'],
        [
          ...result.webAssets.assets.map((asset) => [
            asset.path,
            asset.path.endsWith('.css') ? 'css' : 'js',
            formatCount(asset.bytes),
            formatCount(asset.gzipBytes),
          ]),
          ['total', '', '', formatCount(result.webAssets.totalGzipBytes)],
        ],
      )}\n\n`,
    );
  }
  process.stdout.write(
    'Latencies are of 2xx responses, measured by the client (nearest-rank percentiles). ' +
      'In-process: agingReport through the server\'s engine, each as-of date twice.\n',
  );
  const load = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(' ');
  process.stdout.write(`Load average at start ${load(result.loadAverages.start)}, at end ${load(result.loadAverages.end)}\n`);
  for (const failure of result.failures) process.stderr.write(`*** ${failure.toUpperCase()} ***\n`);
  if (result.failures.length === 0) process.stdout.write('Every aim met, no error.\n');
}

// The load client: a child process that runs autocannon for the parent.

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

interface AutocannonClient {
  setRequests(requests: AutocannonRequest[]): void;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
}

type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    timeout: number;
    setupClient: (client: AutocannonClient) => void;
  },
  done: (error: Error | null, result: AutocannonResult) => void,
) => EventEmitter;

function runLoad(job: LoadJob): Promise<LoadRun> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  let connection = 0;
  let next = 0;
  const nextPath = () => job.paths[next++ % job.paths.length]!;
  const okLatenciesMs: number[] = [];
  const statusCodes: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.origin,
        connections: job.connections,
        duration: job.durationSeconds,
        timeout: job.timeoutSeconds,
        setupClient: (client) => {
          const token = job.tokens[connection++ % job.tokens.length]!;
          const request: AutocannonRequest = {
            method: 'GET',
            path: job.paths[0]!,
            headers: { authorization: `Bearer ${token}` },
          };
          if (job.paths.length > 1) request.setupRequest = (built) => ({ ...built, path: nextPath() });
          client.setRequests([request]);
        },
      },
      (error, result) => {
        if (error) reject(error);
        else {
          resolve({
            seconds: result.duration,
            okLatenciesMs,
            statusCodes,
            connectionErrors: result.errors,
            timeouts: result.timeouts,
          });
        }
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) okLatenciesMs.push(responseTime);
    });
  });
}

function serveLoadJobs(): void {
  process.on('message', (job: LoadJob) => {
    runLoad(job).then(
      (run) => process.send!({ kind: 'result', run } satisfies ClientMessage),
      (error: unknown) =>
        process.send!({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies ClientMessage),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

// Standalone run.

const usage = `usage: node bin/run-ts.mjs bench/api.ts [--items N] [--customers N] [--engine pglite|postgres]
                                         [--users N] [--duration SECONDS] [--seed N] [--end-date YYYY-MM-DD]
PostgreSQL is reached through DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      items: { type: 'string', default: '100000' },
      customers: { type: 'string', default: '10000' },
      engine: { type: 'string', default: 'pglite' },
      users: { type: 'string', default: '20' },
      duration: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      'end-date': { type: 'string', default: '2026-03-31' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const count = (text: string, option: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      throw new UsageError(`invalid --${option} "${text}": use a whole number of at least 1\n${usage}`);
    }
    return value;
  };
  const engine = values.engine;
  if (engine !== 'pglite' && engine !== 'postgres') {
    throw new UsageError(`invalid --engine "${engine}": use pglite or postgres\n${usage}`);
  }
  if (!isIsoDate(values['end-date'])) {
    throw new UsageError(`invalid --end-date "${values['end-date']}": use YYYY-MM-DD\n${usage}`);
  }
  const items = count(values.items, 'items');
  const customers = count(values.customers, 'customers');
  const users = count(values.users, 'users');
  const durationSeconds = count(values.duration, 'duration');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`invalid --seed "${values.seed}": use a whole number from 0\n${usage}`);

  const progress = new Progress();
  progress.step(`generating ${formatCount(items)} items for ${formatCount(customers)} customers`);
  const { ledger } = generateBenchLedger({ seed, customers, items, endDate: values['end-date'] });

  progress.step(`${engine}: opening the database`);
  const schema = `ardesk_api_bench_${process.pid}`;
  const dataDir = engine === 'pglite' ? mkdtempSync(join(tmpdir(), 'ardesk-api-bench-')) : undefined;
  const db =
    engine === 'postgres'
      ? await openDb({ databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test', schema })
      : await openDb({ dataDir });
  try {
    await applyImport(db, { kind: 'bench', file: 'benchmark ledger', sha256: `bench-${seed}` }, [ledger], (stage, done, total) =>
      progress.step(`${engine}: import ${stage} (${formatCount(done)} of ${formatCount(total)} items)`),
    );
    progress.step(`${engine}: analyze`);
    await db.exec('analyze');
    const result = await runApiBench(db, {
      companyCode: benchCompanyCode,
      users,
      durationSeconds,
      progress: (text) => progress.step(text),
    });
    progress.stop();
    process.stdout.write(
      `Ledger: ${formatCount(ledger.customers.length)} customers, ${formatCount(ledger.items.length)} items, ` +
        `${formatCount(ledger.allocations.length)} allocations\n`,
    );
    printApiResults(result);
    if (result.failures.length > 0) process.exitCode = 1;
  } finally {
    progress.stop();
    if (engine === 'postgres') await db.query(`drop schema if exists ${schema} cascade`);
    await db.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

const runDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === benchFile;
if (runDirectly) {
  if (process.argv.includes('--load-client')) {
    serveLoadJobs();
  } else {
    try {
      await main(process.argv.slice(2));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    }
  }
}
