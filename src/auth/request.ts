import type { FastifyRequest } from 'fastify';
import type { Actor } from './types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user or token holder; set before any API handler runs. */
    actor?: Actor;
  }
}

/** The request's actor. The authentication hook guarantees one on API routes. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === undefined) throw new Error(`${request.method} ${request.url} reached a handler without an actor`);
  return request.actor;
}
