// Peak memory of a process tree, sampled from /proc (Linux): the whole tree (code-server, its
// extension host with the inference worker thread, chromium) as the sum of proportional set sizes
// (PSS: pages shared between processes counted once), and the extension host's own resident size.
import { readdirSync, readFileSync } from 'node:fs';

function parents() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

function kb(file, key) {
  try {
    return Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(file, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Samples every `intervalMs`; stop() returns the peaks { treeMb, extensionHostMb }. */
export function watchMemory(rootPid, intervalMs = 250) {
  let treeKb = 0;
  let extHostKb = 0;
  const sample = () => {
    const ppid = parents();
    const tree = new Set([rootPid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, parent] of ppid) if (!tree.has(pid) && tree.has(parent)) { tree.add(pid); grew = true; }
    }
    let sum = 0;
    for (const pid of tree) {
      sum += kb(`/proc/${pid}/smaps_rollup`, 'Pss') || kb(`/proc/${pid}/status`, 'VmRSS');
      let cmd = '';
      try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { /* gone */ }
      if (cmd.includes('--type=extensionHost')) extHostKb = Math.max(extHostKb, kb(`/proc/${pid}/status`, 'VmRSS'));
    }
    treeKb = Math.max(treeKb, sum);
  };
  const timer = setInterval(sample, intervalMs);
  sample();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { treeMb: Math.round(treeKb / 1024), extensionHostMb: Math.round(extHostKb / 1024) };
    },
  };
}
