// `pixart info FILE…`, the command line's "PNG Info": the generation parameters each image carries,
// read by the extension's own bounded reader (read-metadata.ts). Text: the parameters as stored
// (under a `==> FILE <==` header when there are several files; a ComfyUI file's graph as that
// text would say it); `--json`: one array of { file, format, source, parameters, text } or
// { file, error }. A file that fails gets one line on stderr and exit code 1; the others are still
// printed.
import { readFileParameters } from '../image/read-metadata';
import type { InfoOptions } from './args';

/** The reason a file cannot be read, in words (the file system's codes for the usual ones). */
function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'is a directory', EACCES: 'permission denied', EPERM: 'permission denied' };
  if (code && known[code]) return known[code];
  return err instanceof Error ? err.message : String(err);
}

type InfoEntry = { file: string; format: string; source: string; parameters: unknown; text: string } | { file: string; error: string };

/** Prints each file's parameters; resolves with the exit code (0, or 1 when any file failed). */
export async function runInfo(o: InfoOptions, out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const entries: InfoEntry[] = [];
  for (const file of o.files) {
    try {
      const r = await readFileParameters(file);
      entries.push({ file, format: r.format, source: r.source, parameters: r.parameters, text: r.text });
    } catch (e) {
      entries.push({ file, error: reason(e) });
      err(`pixart: ${file}: ${reason(e)}`);
    }
  }
  if (o.json) out(JSON.stringify(entries, null, 2));
  else {
    const shown = entries.filter((e): e is Extract<InfoEntry, { text: string }> => 'text' in e);
    shown.forEach((e, i) => out(o.files.length > 1 ? `${i ? '\n' : ''}==> ${e.file} <==\n${e.text}` : e.text));
  }
  return entries.some((e) => 'error' in e) ? 1 : 0;
}
