import type { CgroupFs } from './fs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGKILL to one process; it may be gone already */
export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/**
 * Kills every process listed in the groups until none is left: a process forking while it is being
 * killed adds new pids, so the list is read again until it stays empty (the pids limit bounds how many
 * there can be). Gives up after `tries` rounds, leaving the group for destroy() to report.
 */
export async function killUntilEmpty(fs: CgroupFs, procsFiles: readonly string[], tries = 400): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const pids = new Set(procsFiles.flatMap((f) => fs.pids(f)));
    if (pids.size === 0) return true;
    for (const pid of pids) killPid(pid);
    await sleep(i < 20 ? 2 : 10);
  }
  return false;
}

/** rmdir, retried while the last processes finish exiting */
export async function removeGroup(fs: CgroupFs, dir: string, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (fs.rmdir(dir)) return true;
    await sleep(i < 20 ? 2 : 10);
  }
  return false;
}

/** whether a process id is in use on this machine (for groups a dead worker left behind) */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
