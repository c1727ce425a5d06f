import { InputError } from '../shared/errors.js';

/** The denied attempt, as its audit event records it. */
export interface DeniedAttempt {
  action: string;
  entity: string;
  entityId: string | null;
  companyId?: number | null;
}

/**
 * A request the actor's role or scope does not allow. The API returns 403
 * `forbidden` and records the attempt in the audit trail.
 */
export class ForbiddenError extends InputError {
  constructor(
    message: string,
    readonly attempt: DeniedAttempt,
  ) {
    super(message, 'forbidden');
    this.name = 'ForbiddenError';
  }
}

/** Raises ForbiddenError unless the actor's company scope includes the company it writes to. */
export function checkCompanyWrite(
  actor: { scope: { companyIds: readonly number[] | null } },
  company: { companyId: number; code: string },
  action: string,
): void {
  if (actor.scope.companyIds !== null && !actor.scope.companyIds.includes(company.companyId)) {
    throw new ForbiddenError(`company ${company.code} is outside your scope`, {
      action,
      entity: 'company',
      entityId: company.code,
      companyId: company.companyId,
    });
  }
}
