// The `<out>.partial-<hex>/` folders of builds that were killed before they could remove them (each
// can hold gigabytes: T5 alone is 4.7 GB). A build writes its process id and host into its folder;
// the next build of the same output removes the folders whose process is gone on this host, and
// leaves those of a live build, or of another host (a shared drive), alone.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Inside the staging folder; left out of the manifest and removed before the folder is published. */
export const OWNER_FILE = '.pixart-build-owner';

/** Records this process as the owner of `staging`. */
export function markOwner(staging: string): void {
  writeFileSync(join(staging, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's live process
  }
}

function isStale(folder: string): boolean {
  let owner: { pid?: unknown; host?: unknown };
  try {
    owner = JSON.parse(readFileSync(join(folder, OWNER_FILE), 'utf8')) as typeof owner;
  } catch {
    return false; // not ours to judge: no owner file (an older build, or not a build at all)
  }
  return owner.host === hostname() && Number.isInteger(owner.pid) && !alive(owner.pid as number);
}

/** Removes the partial folders of `out` whose build is dead; returns their names. */
export function removeStalePartials(out: string): string[] {
  const prefix = `${basename(out)}.partial-`;
  let names: string[];
  try {
    names = readdirSync(dirname(out)).filter((n) => n.startsWith(prefix) && /^[0-9a-f]{12}$/.test(n.slice(prefix.length)));
  } catch {
    return [];
  }
  const stale = names.filter((n) => isStale(join(dirname(out), n)));
  for (const n of stale) rmSync(join(dirname(out), n), { recursive: true, force: true });
  return stale;
}
