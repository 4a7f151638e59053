// What the engines need to know about model files on disk: that they exist (checked before
// OpenVINO reports it less clearly), and the full tensor names of an IR's inputs and outputs.
//
// Why the names: a tensor can have several names (ovc merges "encoder_attention_mask" with the
// "/m/Cast_output_0" of a removed Cast), and both the C API and openvino-node expose only
// get_any_name(), the alphabetically first one. The IR's XML lists them all, so the engines can
// report the name the model's author gave.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { PortInfo } from './types';

/** Throws "Model file not found: …" (or the missing .bin, or an unsupported extension). */
export function checkModelFiles(modelPath: string): void {
  if (!existsSync(modelPath) || !statSync(modelPath).isFile()) throw new Error(`Model file not found: ${modelPath}`);
  const ext = extname(modelPath).toLowerCase();
  if (ext === '.xml') {
    const bin = join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.bin`);
    if (!existsSync(bin)) throw new Error(`Model weights not found: ${bin} (an OpenVINO IR needs the .bin beside its .xml)`);
    checkIrRoot(modelPath);
  } else if (ext === '.onnx') {
    checkOnnxFraming(modelPath);
  } else {
    throw new Error(`Unsupported model file ${modelPath}: expected an OpenVINO IR (.xml with .bin) or .onnx`);
  }
}

// Why look inside: OpenVINO offers a file that no frontend claims to each frontend in turn, and
// TensorFlow's prints its parse errors to stderr before the read fails ("Error parsing text-format
// tensorflow.GraphDef"). What the IR and ONNX frontends would claim is checked here instead.
const AGAIN = 'Copy or convert the model again.';

/** Up to `bytes` bytes of the file from `position`. */
function readAt(fd: number, bytes: number, position: number): Buffer {
  const buf = Buffer.alloc(bytes);
  return buf.subarray(0, readSync(fd, buf, 0, bytes, position));
}

function withFile<T>(path: string, use: (fd: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** An IR's XML has the root element <net>, after any XML declaration, comments or whitespace. */
function checkIrRoot(modelPath: string): void {
  const start = withFile(modelPath, (fd) => readAt(fd, 65536, 0)).toString('utf8');
  const root = start.replace(/^\uFEFF?(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*/, '');
  if (!/^<net[\s/>]/.test(root)) {
    throw new Error(`${modelPath} is not an OpenVINO IR: an IR's .xml starts with the element <net>, this one with ${JSON.stringify(root.slice(0, 24))}. ${AGAIN}`);
  }
}

/** Reads one protobuf varint from `buf` at `at`: [value, next offset], or null when it does not end in `buf`. */
function varint(buf: Buffer, at: number): [number, number] | null {
  let value = 0;
  for (let i = at, scale = 1; i < buf.length && i < at + 10; i++, scale *= 128) {
    value += (buf[i] & 0x7f) * scale;
    if (buf[i] < 0x80) return [value, i + 1];
  }
  return null;
}

/** The byte after the protobuf field at `pos`, or null when no field can start there. */
function nextField(fd: number, pos: number): number | null {
  const buf = readAt(fd, 24, pos);
  const tag = varint(buf, 0);
  if (!tag || tag[0] < 8) return null; // field numbers start at 1
  const [key, at] = tag;
  const wire = key % 8;
  if (wire === 0) {
    const value = varint(buf, at);
    return value && pos + value[1];
  }
  if (wire === 1) return pos + at + 8;
  if (wire === 5) return pos + at + 4;
  if (wire !== 2) return null; // groups (3, 4) are not in ONNX; 6 and 7 do not exist
  const len = varint(buf, at);
  return len && pos + len[1] + len[0];
}

/** An ONNX file is one protobuf message (ModelProto): its top-level fields end exactly at the file's end. */
function checkOnnxFraming(modelPath: string): void {
  const size = statSync(modelPath).size;
  let pos: number | null = 0;
  withFile(modelPath, (fd) => {
    // A ModelProto has a handful of top-level fields; past 10,000 the file is taken as it is.
    for (let fields = 0; pos !== null && pos < size && fields < 10_000; fields++) pos = nextField(fd, pos);
  });
  if (size === 0 || pos === null || pos > size) {
    throw new Error(`${modelPath} is not an ONNX model${size ? ', or is cut short' : ': the file is empty'}. ${AGAIN}`);
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
