// A cross-process lock for the provisioning scripts: mkdir is atomic, the holder writes its pid,
// and a lock whose holder is gone (a killed run) is broken rather than waited on forever.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `fn` holding the lock directory `lockDir`; waits up to `timeoutMs` for another holder. */
export function withLock(lockDir, fn, { timeoutMs = 30 * 60_000, log = () => {} } = {}) {
  mkdirSync(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try { owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being created or removed */ }
    let alive = true;
    if (Number.isInteger(owner) && owner > 0) {
      try { process.kill(owner, 0); } catch (e) { alive = e.code === 'EPERM'; }
    }
    if (!alive) {
      log(`removing the stale lock of process ${owner}`);
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} (remove it if no provisioning is running)`);
    sleep(500);
  }
  try {
    return fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
