import { ForbiddenError } from '../auth/errors.js';
import type { Actor } from '../auth/types.js';
import type { Db } from '../db/types.js';
import { recordAudit } from './audit.js';

/**
 * Records a denied command-line attempt in the audit trail when `error` is
 * a ForbiddenError, and does nothing otherwise. The API records every
 * ForbiddenError from its error hook, but the command line has no such
 * hook. Call it after the transaction has rolled back, with `db` rather
 * than the transaction, so the record stays.
 */
export async function recordCliDenial(db: Db, actor: Actor, error: unknown): Promise<void> {
  if (!(error instanceof ForbiddenError) || actor.via !== 'cli') return;
  await recordAudit(db, {
    actor,
    action: error.attempt.action,
    entity: error.attempt.entity,
    entityId: error.attempt.entityId,
    companyId: error.attempt.companyId ?? null,
    reason: error.message,
    outcome: 'denied',
  });
}

/** Runs `work` and records its denial with recordCliDenial before passing the error on. */
export async function recordingDenial<T>(db: Db, actor: Actor, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await recordCliDenial(db, actor, error);
    throw error;
  }
}
