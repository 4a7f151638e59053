// Scheduler factory: scheduler_config.json (text or parsed object) → a Scheduler, dispatched on
// `_class_name` as diffusers' from_pretrained does.

import { parseSchedulerConfig, type ParsedSchedulerConfig, type SchedulerConfig } from './config';
import { DPMSolverMultistepScheduler } from './dpm-solver';
import { LCMScheduler } from './lcm';
import type { Scheduler } from './types';

export type { RandnFn, Scheduler } from './types';
export {
  parseSchedulerConfig,
  parseLenientJson,
  LenientJsonError,
  SchedulerConfigError,
  SUPPORTED_SCHEDULERS,
} from './config';
export type { DpmConfig, LcmConfig, ParsedSchedulerConfig, SchedulerConfig } from './config';
export { LCMScheduler } from './lcm';
export { DPMSolverMultistepScheduler } from './dpm-solver';

/** Builds the scheduler a config describes. Throws SchedulerConfigError for an unknown class or a
 *  field value this port does not implement. Keys diffusers would ignore are ignored too; use
 *  parseSchedulerConfig() to see them. */
export function createScheduler(
  config: string | Readonly<Record<string, unknown>> | ParsedSchedulerConfig,
): Scheduler {
  const parsed = isParsed(config) ? config : parseSchedulerConfig(config);
  return fromNormalised(parsed.config);
}

function fromNormalised(c: SchedulerConfig): Scheduler {
  return c._class_name === 'LCMScheduler' ? new LCMScheduler(c) : new DPMSolverMultistepScheduler(c);
}

function isParsed(x: unknown): x is ParsedSchedulerConfig {
  return typeof x === 'object' && x !== null && 'config' in x && 'ignoredKeys' in x;
}
