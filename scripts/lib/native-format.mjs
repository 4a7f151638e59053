// Reads the header of a native binary (ELF, PE, Mach-O) and the libraries it asks the loader for.
// Pure: it takes the file's bytes, so the packager and its tests can check a VSIX built for another
// OS (a Windows DLL on Linux) without running anything from it.
import { readFileSync } from 'node:fs';

const ELF_MACHINES = { 3: 'i386', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390x', 40: 'arm', 62: 'x86-64', 183: 'aarch64', 243: 'riscv', 258: 'loongarch' };
const PE_MACHINES = { 0x14c: 'x86', 0x1c4: 'arm', 0x8664: 'x64', 0xaa64: 'arm64' };
const MACHO_CPUS = { 7: 'i386', 0x01000007: 'x86_64', 12: 'arm', 0x0100000c: 'arm64', 0x0200000c: 'arm64_32' };

/** Which format the bytes start with, or undefined for anything else (text, images, zips…). */
export function sniffFormat(buf) {
  if (buf.length < 4) return undefined;
  if (buf.readUInt32BE(0) === 0x7f454c46) return 'elf';
  if (buf[0] === 0x4d && buf[1] === 0x5a && buf.length >= 0x40) {
    const pe = buf.readUInt32LE(0x3c);
    if (pe + 4 <= buf.length && buf.readUInt32LE(pe) === 0x00004550) return 'pe';
    return undefined;
  }
  const le = buf.readUInt32LE(0);
  if (le === 0xfeedface || le === 0xfeedfacf) return 'macho';
  const be = buf.readUInt32BE(0);
  // 0xcafebabe is also a Java class file; those have a version >= 45 where a fat header has its arch count.
  if (be === 0xcafebabe && buf.length >= 8 && buf.readUInt32BE(4) < 20) return 'macho';
  return undefined;
}

/**
 * The format, architecture, word size and load-time needs of a binary:
 * { format, arch, bits, needed: [names], rpath: [dirs] } (plus `arches` for a fat Mach-O, and
 * `delayNeeded` for a PE's delay-loaded DLLs). Throws on bytes that are not a binary.
 */
export function parseNative(buf) {
  const format = sniffFormat(buf);
  if (format === 'elf') return parseElf(buf);
  if (format === 'pe') return parsePe(buf);
  if (format === 'macho') return parseMachO(buf);
  throw new Error('not an ELF, PE or Mach-O file');
}

export const readNative = (path) => parseNative(readFileSync(path));

function cString(buf, at) {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}

function parseElf(buf) {
  const bits = buf[4] === 2 ? 64 : 32;
  const le = buf[5] === 1;
  const u16 = (o) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const word = (o) => (bits === 64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o));
  const machine = u16(18);
  const phoff = word(bits === 64 ? 32 : 28);
  const phentsize = u16(bits === 64 ? 54 : 42);
  const phnum = u16(bits === 64 ? 56 : 44);
  const loads = [];
  let dynamic;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = u32(p);
    const [offset, vaddr, filesz] = bits === 64 ? [word(p + 8), word(p + 16), word(p + 32)] : [u32(p + 4), u32(p + 8), u32(p + 16)];
    if (type === 1) loads.push({ offset, vaddr, filesz });
    if (type === 2) dynamic = { offset, filesz };
  }
  const result = { format: 'elf', arch: ELF_MACHINES[machine] ?? `elf-machine-${machine}`, bits, needed: [], rpath: [] };
  if (!dynamic) return result; // static executable
  const toOffset = (addr) => {
    const seg = loads.find((s) => addr >= s.vaddr && addr < s.vaddr + s.filesz);
    return seg ? addr - seg.vaddr + seg.offset : addr;
  };
  const entries = [];
  const size = bits === 64 ? 16 : 8;
  for (let p = dynamic.offset; p + size <= dynamic.offset + dynamic.filesz; p += size) {
    const tag = word(p);
    if (tag === 0) break;
    entries.push([tag, word(p + size / 2)]);
  }
  const strtab = toOffset(entries.find(([t]) => t === 5)?.[1] ?? 0);
  for (const [tag, value] of entries) {
    if (tag === 1) result.needed.push(cString(buf, strtab + value));
    if (tag === 15 || tag === 29) result.rpath.push(...cString(buf, strtab + value).split(':').filter(Boolean));
  }
  return result;
}

function parsePe(buf) {
  const pe = buf.readUInt32LE(0x3c);
  const machine = buf.readUInt16LE(pe + 4);
  const sectionCount = buf.readUInt16LE(pe + 6);
  const optSize = buf.readUInt16LE(pe + 20);
  const opt = pe + 24;
  const bits = buf.readUInt16LE(opt) === 0x20b ? 64 : 32;
  const dirs = opt + (bits === 64 ? 112 : 96);
  const sections = [];
  for (let i = 0, s = opt + optSize; i < sectionCount; i++, s += 40) {
    sections.push({ vaddr: buf.readUInt32LE(s + 12), vsize: buf.readUInt32LE(s + 8), raw: buf.readUInt32LE(s + 20), rawSize: buf.readUInt32LE(s + 16) });
  }
  const toOffset = (rva) => {
    const s = sections.find((x) => rva >= x.vaddr && rva < x.vaddr + Math.max(x.vsize, x.rawSize));
    return s ? rva - s.vaddr + s.raw : undefined;
  };
  // Import descriptors are 20 bytes with the name RVA at +12; delay-load ones 32 bytes with it at +4.
  const names = (dirIndex, size, nameAt) => {
    const out = [];
    const rva = buf.readUInt32LE(dirs + dirIndex * 8);
    let p = rva ? toOffset(rva) : undefined;
    for (; p !== undefined && p + size <= buf.length; p += size) {
      const nameRva = buf.readUInt32LE(p + nameAt);
      if (!nameRva) break;
      const at = toOffset(nameRva);
      if (at !== undefined) out.push(cString(buf, at));
    }
    return out;
  };
  return { format: 'pe', arch: PE_MACHINES[machine] ?? `pe-machine-0x${machine.toString(16)}`, bits, needed: names(1, 20, 12), delayNeeded: names(13, 32, 4), rpath: [] };
}

function parseMachO(buf) {
  if (buf.readUInt32BE(0) === 0xcafebabe) {
    const n = buf.readUInt32BE(4);
    const slices = [];
    for (let i = 0; i < n; i++) {
      const at = 8 + i * 20;
      slices.push(parseMachO(buf.subarray(buf.readUInt32BE(at + 8), buf.readUInt32BE(at + 8) + buf.readUInt32BE(at + 12))));
    }
    return { ...slices[0], arch: 'universal', arches: slices.map((s) => s.arch) };
  }
  const bits = buf.readUInt32LE(0) === 0xfeedfacf ? 64 : 32;
  const cpu = buf.readUInt32LE(4);
  const ncmds = buf.readUInt32LE(16);
  const result = { format: 'macho', arch: MACHO_CPUS[cpu] ?? `macho-cpu-0x${cpu.toString(16)}`, bits, needed: [], rpath: [] };
  const LOAD = new Set([0xc, 0x80000018, 0x8000001f, 0x80000023]); // LOAD, LOAD_WEAK, REEXPORT, LOAD_UPWARD
  for (let i = 0, p = bits === 64 ? 32 : 28; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(p);
    const cmdsize = buf.readUInt32LE(p + 4);
    if (LOAD.has(cmd)) result.needed.push(cString(buf, p + buf.readUInt32LE(p + 8)));
    if (cmd === 0x8000001c) result.rpath.push(cString(buf, p + buf.readUInt32LE(p + 8)));
    if (cmd === 0xd) result.id = cString(buf, p + buf.readUInt32LE(p + 8));
    p += cmdsize;
  }
  return result;
}
