// Types of native-format.mjs for the TypeScript tests.
export interface NativeInfo {
  format: 'elf' | 'pe' | 'macho';
  arch: string;
  bits: number;
  needed: string[];
  rpath: string[];
  delayNeeded?: string[];
  arches?: string[];
  id?: string;
}
export function sniffFormat(buf: Buffer): 'elf' | 'pe' | 'macho' | undefined;
export function parseNative(buf: Buffer): NativeInfo;
export function readNative(path: string): NativeInfo;
