// Moved to helpers.ts; delete this file once ui.test.ts and prepare-model.test.ts import from './helpers'.
export { until } from './helpers';
