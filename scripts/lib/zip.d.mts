// Types of zip.mjs for the TypeScript tests.
export interface ZipEntry {
  name: string;
  size: number;
  read(): Promise<Buffer>;
  extractTo(file: string): Promise<void>;
}
export function walkZip(path: string, onEntry: (entry: ZipEntry) => unknown): Promise<void>;
export function listZip(path: string): Promise<{ name: string; size: number }[]>;
