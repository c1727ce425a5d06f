export * from './types.js';
export { kpiReport } from './report.js';
export { kpiReportToJson, type KpiReportJson, type KpiRowJson } from './json.js';
export { countbackMaxMonths, kpiMethods } from './compute.js';
