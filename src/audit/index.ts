export {
  listAudit,
  maxAuditPageSize,
  recordAudit,
  type AuditEvent,
  type AuditEventInput,
  type AuditFilter,
} from './audit.js';
