// What the engines need to know about model files on disk: that they exist (checked before
// OpenVINO reports it less clearly), and the full tensor names of an IR's inputs and outputs.
//
// Why the names: a tensor can have several names (ovc merges "encoder_attention_mask" with the
// "/m/Cast_output_0" of a removed Cast), and both the C API and openvino-node expose only
// get_any_name(), the alphabetically first one. The IR's XML lists them all, so the engines can
// report the name the model's author gave.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { PortInfo } from './types';

/** Throws "Model file not found: …" (or the missing .bin, or an unsupported extension). */
export function checkModelFiles(modelPath: string): void {
  if (!existsSync(modelPath) || !statSync(modelPath).isFile()) throw new Error(`Model file not found: ${modelPath}`);
  const ext = extname(modelPath).toLowerCase();
  if (ext === '.xml') {
    const bin = join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.bin`);
    if (!existsSync(bin)) throw new Error(`Model weights not found: ${bin} (an OpenVINO IR needs the .bin beside its .xml)`);
  } else if (ext !== '.onnx') {
    throw new Error(`Unsupported model file ${modelPath}: expected an OpenVINO IR (.xml with .bin) or .onnx`);
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '');
}

/** IR name lists are comma-separated, with "\," for a comma inside a name. */
function splitNames(attr: string): string[] {
  return unescapeXml(attr)
    .split(/(?<!\\),/)
    .map((n) => n.replace(/\\,/g, ',').trim())
    .filter(Boolean);
}

/** Every name group of the IR's Parameter outputs and Result inputs (nested bodies included). */
export function irTensorNames(xml: string): { inputs: string[][]; outputs: string[][] } {
  const inputs: string[][] = [];
  const outputs: string[][] = [];
  for (const m of xml.matchAll(/<layer\b[^>]*\btype="Parameter"[^>]*>([\s\S]*?)<\/layer>/g)) {
    const names = /\bnames="([^"]*)"/.exec(m[1]);
    if (names) inputs.push(splitNames(names[1]));
  }
  for (const m of xml.matchAll(/<layer\b[^>]*\btype="Result"[^>]*>/g)) {
    const names = /\boutput_names="([^"]*)"/.exec(m[0]);
    if (names) outputs.push(splitNames(names[1]));
  }
  return { inputs, outputs };
}

/** A name someone chose (an identifier), over generated ones like "/m/Cast_output_0" or "onnx::Add_12". */
export function isAuthoredName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name);
}

function rename(port: PortInfo, groups: string[][]): PortInfo {
  if (isAuthoredName(port.name)) return port;
  const group = groups.find((g) => g.includes(port.name));
  const better = group?.find(isAuthoredName);
  return better ? { ...port, name: better } : port;
}

/**
 * The ports, with generated any_names replaced by an authored alias when `modelPath` is an IR that
 * lists one. ONNX inputs and outputs have a single name each, so they pass through unchanged.
 */
export function withIrNames(modelPath: string, ports: { inputs: PortInfo[]; outputs: PortInfo[] }): { inputs: PortInfo[]; outputs: PortInfo[] } {
  const needed = [...ports.inputs, ...ports.outputs].some((p) => !isAuthoredName(p.name));
  if (!needed || extname(modelPath).toLowerCase() !== '.xml') return ports;
  const groups = irTensorNames(readFileSync(modelPath, 'utf8'));
  const inputs = ports.inputs.map((p) => rename(p, groups.inputs));
  const outputs = ports.outputs.map((p) => rename(p, groups.outputs));
  const unique = (list: PortInfo[]) => new Set(list.map((p) => p.name)).size === list.length;
  // An alias that clashes with another port's name would make names ambiguous: keep OpenVINO's.
  return unique(inputs) && unique(outputs) ? { inputs, outputs } : ports;
}
