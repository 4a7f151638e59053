// An OpenVINO runtime that cannot be found or loaded, said the way a user can act on it: one line
// that names the cause (`message`), the whole story for the log (`detail`), and the fix the UI
// offers as a button: choosing the C library (pixart.openvinoLibraryPath).
export class RuntimeUnavailableError extends Error {
  override name = 'RuntimeUnavailableError';

  constructor(message: string, readonly detail: string) {
    super(message);
  }
}

/** What to do when no runtime is found: short, for the one-line message. */
export const RUNTIME_FIX = 'Install the PixArt Studio package built for this platform (it includes OpenVINO), or set pixart.openvinoLibraryPath to an OpenVINO C library (libopenvino_c).';

/**
 * The loader's error (dlopen, LoadLibrary) in a few words: a C library too old, a build for another
 * CPU or OS, or a missing system library. The full text goes to the log.
 */
export function explainLoadError(libraryPath: string, loaderMessage: string): string {
  const m = loaderMessage;
  const glibc = /((?:GLIBC|GLIBCXX|CXXABI)_[\d.]+)'? not found/.exec(m);
  if (glibc) return `this system's C/C++ runtime is older than this OpenVINO build needs (${glibc[1]})`;
  if (/wrong ELF class|ELFCLASS|invalid ELF header|Exec format error|wrong architecture|incompatible architecture|not a valid Win32 application|not a mach-o file|%1 is not a valid/i.test(m)) {
    return 'it is built for another kind of computer, or is not a library';
  }
  const base = libraryPath.split(/[\\/]/).pop() ?? '';
  const missing = /([\w.+-]+\.(?:so[\w.]*|dylib|dll)): cannot open shared object file/.exec(m)?.[1];
  if (missing && missing !== base) return `it needs ${missing}, which is missing on this system`;
  if (/Library not loaded: (\S+)/.test(m)) return `it needs ${/Library not loaded: (\S+)/.exec(m)![1]}, which is missing on this system`;
  if (/The specified module could not be found/i.test(m)) return 'a DLL it needs is missing (the Microsoft Visual C++ Redistributable, or a file beside it)';
  return m.split('\n')[0].slice(0, 200);
}
