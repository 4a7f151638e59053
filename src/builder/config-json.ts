// A checkpoint component's config.json as the builders read it: bounded in size, a JSON object,
// and typed reads of its fields whose messages name the file and the field. Each builder passes
// the error class it throws (VaeConfigError, T5ConfigError).
import { readFileSync, statSync } from 'node:fs';

export type Json = Record<string, unknown>;
export type ConfigErrorClass = new (message: string) => Error;

/** A config.json is a few kB; a bigger file is not one. */
const MAX_CONFIG_BYTES = 1 << 20;

/** A value as a message shows it: JSON, cut to 60 characters. */
export function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `file` as a JSON object, with its text; `folder` is the checkpoint folder it belongs to (`vae`, `text_encoder`). */
export function readConfigObject(file: string, folder: string, Err: ConfigErrorClass): { obj: Json; text: string } {
  let text: string;
  try {
    if (statSync(file).size > MAX_CONFIG_BYTES) throw new Err(`${file} is larger than ${MAX_CONFIG_BYTES} bytes: not a config file. Download the model again.`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof Err) throw e;
    throw new Err(`${file} is missing or unreadable: the ${folder}/ folder of a diffusers checkpoint has a config.json. Download the model again.`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Err(`${file} is not valid JSON (${(e as Error).message}). Download the model again.`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Err(`${file} must hold a JSON object.`);
  return { obj: obj as Json, text };
}

/** The field as a whole number in [min, max]; `fallback` when it is absent. */
export function wholeNumber(c: Json, file: string, field: string, min: number, max: number, fallback: number, Err: ConfigErrorClass): number {
  const v = c[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Err(`${file}: "${field}" must be a whole number from ${min} to ${max}, found ${show(v)}.`);
  }
  return v;
}

/** The field as true or false; `fallback` when it is absent. */
export function flag(c: Json, file: string, field: string, fallback: boolean, Err: ConfigErrorClass): boolean {
  const v = c[field] ?? fallback;
  if (typeof v !== 'boolean') throw new Err(`${file}: "${field}" must be true or false, found ${show(v)}.`);
  return v;
}
