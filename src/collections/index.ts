export {
  checkStatementPeriod,
  customerStatement,
  lineTypeLabel,
  statementFileName,
  statementToJson,
  statementWorkbook,
  type CustomerStatement,
  type StatementAging,
  type StatementAgingJson,
  type StatementCustomer,
  type StatementJson,
  type StatementLine,
  type StatementLineJson,
  type StatementLineType,
  type StatementRequest,
  type StatementSection,
  type StatementSectionJson,
  type StatementTotals,
} from './statement.js';
export {
  statementPdfBuffer,
  writeStatementPdf,
  writeStatementPdfFile,
  writeStatementPdfs,
  type StatementJob,
  type StatementJobOutcome,
} from './statement-pdf.js';
export * from './dunning-levels.js';
export * from './dunning-proposal.js';
export * from './dunning.js';
export * from './dunning-pdf.js';
export * from './dunning-send.js';
export {
  runStatementBatch,
  selectStatementCustomers,
  statementMessage,
  type StatementBatchOptions,
  type StatementBatchRequest,
  type StatementBatchResult,
  type StatementOutcome,
  type StatementOutcomeStatus,
  type StatementSelection,
} from './statement-batch.js';
export {
  addReviewAction,
  completeReviewAction,
  createOverdueReview,
  listOverdueReviews,
  loadOverdueReview,
  type OverdueReview,
  type ReviewAction,
  type ReviewCustomer,
  type ReviewSummary,
} from './overdue-review.js';
export { overdueReviewPdfBuffer, writeOverdueReviewPdf } from './overdue-review-pdf.js';
