/** Where the cgroup hierarchies are mounted and where this process sits in them. */
export interface CgroupMount {
  type: 'cgroup' | 'cgroup2';
  mountPoint: string;
  /** the part of the hierarchy the mount shows (not `/` inside some containers) */
  root: string;
  /** v1: the controllers of this hierarchy */
  controllers: string[];
}

/** Parses /proc/self/mountinfo: `id parent major:minor root mountpoint opts [optional…] - fstype source superopts`. */
export function parseMountinfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const [fstype, , superOpts = ''] = line.slice(dash + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    mounts.push({
      type: fstype,
      root: unescape(left[3] ?? '/'),
      mountPoint: unescape(left[4] ?? ''),
      controllers: fstype === 'cgroup' ? superOpts.split(',').filter((o) => !['rw', 'ro'].includes(o) && !o.includes('=')) : [],
    });
  }
  return mounts;
}

/** Parses /proc/self/cgroup: `id:controllers:path`; v2 is `0::path`. Keyed by controller ('' for v2). */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const controllers = m[1]!;
    if (controllers === '') paths.set('', m[2]!);
    for (const c of controllers.split(',')) if (c) paths.set(c, m[2]!);
  }
  return paths;
}

/** The directory of a process's group inside a mount, given its path from /proc/self/cgroup. */
export function groupDir(mount: CgroupMount, procPath: string): string {
  let rel = procPath;
  if (mount.root !== '/' && (rel === mount.root || rel.startsWith(`${mount.root}/`))) rel = rel.slice(mount.root.length);
  // a path outside the mount's root (another cgroup namespace) shows as "/.." : treat the mount as ours
  if (rel.startsWith('/..')) rel = '/';
  return `${mount.mountPoint}${rel === '/' ? '' : rel}`;
}

/** A hierarchy's mount and this process's own group in it. */
export interface OwnGroup {
  mount: CgroupMount;
  dir: string;
}

/** Where this process sits in the cgroup hierarchies mounted here, as the sandbox and the benches look them up. */
export interface OwnGroups {
  /** cgroup2 is mounted (whether or not this process has a path in it) */
  unifiedMounted: boolean;
  /** this process's group in the cgroup2 hierarchy */
  unified?: OwnGroup;
  /** this process's group in the cgroup v1 hierarchy holding `controller` */
  v1(controller: string): OwnGroup | undefined;
}

/** Reads /proc/self/mountinfo and /proc/self/cgroup (their contents) into this process's own groups. */
export function ownGroups(mountinfo: string, procCgroup: string): OwnGroups {
  const mounts = parseMountinfo(mountinfo);
  const paths = parseProcCgroup(procCgroup);
  const at = (mount: CgroupMount | undefined, procPath: string | undefined): OwnGroup | undefined =>
    mount && procPath !== undefined ? { mount, dir: groupDir(mount, procPath) } : undefined;
  const unifiedMount = mounts.find((m) => m.type === 'cgroup2');
  return {
    unifiedMounted: unifiedMount !== undefined,
    unified: at(unifiedMount, paths.get('')),
    v1: (controller) =>
      at(
        mounts.find((m) => m.type === 'cgroup' && m.controllers.includes(controller)),
        paths.get(controller),
      ),
  };
}
