import type { Queryable } from '../db/types.js';
import { listCompanies } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import { NotFoundError } from '../shared/errors.js';

/** Finds a company by id: bank accounts and entries name companies by id. */
export async function getCompanyById(db: Queryable, companyId: number): Promise<Company> {
  const company = (await listCompanies(db)).find((candidate) => candidate.companyId === companyId);
  if (!company) throw new NotFoundError(`company ${companyId} not found`, 'company');
  return company;
}
