import { existsSync, statSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleNotFound } from './errors.js';

/**
 * The package root: this file is src/server/web.ts when run from source
 * and dist/server/web.js when built, two folders below the root either way.
 */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Folder that `vite build` writes the browser app to. */
export const webDistDir = join(packageRoot, 'dist', 'web');

/** Tells whether the browser app has been built. */
export function webAppBuilt(dir: string = webDistDir): boolean {
  return existsSync(join(dir, 'index.html'));
}

/** Returns the file under `root` that a URL path names, or null when there is none. */
function fileFor(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = resolve(root, `.${normalize(`/${decoded}`)}`);
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * Serves the browser app in `dir` at `/`: its files as they are, and
 * index.html for every other GET path outside /api, so that addresses of
 * the app's own pages load it. Files under assets/ carry a content hash in
 * their names and may be cached for good, while index.html is revalidated.
 * A GET path under /api that no route matches keeps the API's JSON 404.
 */
export async function registerWebApp(app: FastifyInstance, dir: string = webDistDir): Promise<void> {
  const root = resolve(dir);
  await app.register(fastifyStatic, { root, serve: false });

  const serve = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/')) return handleNotFound(request, reply);
    const file = path === '/' ? null : fileFor(root, path);
    if (file === null) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
    }
    const relative = file.slice(root.length + 1).split(sep).join('/');
    if (relative.startsWith('assets/')) {
      return reply.sendFile(relative, root, { maxAge: '365d', immutable: true });
    }
    return reply.sendFile(relative, root, { maxAge: 0 });
  };
  app.get('/', serve);
  app.get('/*', serve);
}

/** The Vite configuration of the browser app. */
export const webConfigFile = join(packageRoot, 'web', 'vite.config.ts');

/**
 * Builds the browser app into dist/web with Vite. Vite is a development
 * dependency, so an installation without it raises an error here, which
 * callers report before serving the API alone.
 */
export async function buildWebApp(options: { logLevel?: 'info' | 'warn' | 'error' | 'silent' } = {}): Promise<void> {
  if (!existsSync(webConfigFile)) throw new Error(`${webConfigFile} not found, so the web app cannot be built`);
  const vite = await import('vite');
  // Vite takes React's build from NODE_ENV when it is set, and the test
  // runner sets it to "test", which would ship React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await vite.build({ configFile: webConfigFile, logLevel: options.logLevel ?? 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}
