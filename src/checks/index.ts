export * from './types.js';
export {
  addCheck,
  cancelCheck,
  clearCheck,
  getCheck,
  getCheckSettings,
  listProposals,
  replaceCheck,
  returnCheck,
  safeCheck,
  setCheckSettings,
  type ReplaceInput,
  type ReturnInput,
  type ReturnResult,
  type TransitionInput,
} from './register.js';
export * from './slips.js';
export * from './reports.js';
