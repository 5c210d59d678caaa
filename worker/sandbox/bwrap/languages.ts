import fs from 'node:fs';
import path from 'node:path';
import type { Language, SourceFile } from '../types';

/** Mount point of the program's files inside the sandbox. */
export const BOX = '/box';

/** the limits of one sandboxed run (see spawn.ts and helper.c) */
export interface ProcessLimits {
  cpuMs: number;
  /** RLIMIT_AS in MB, per process; 0 = none (the JVM reserves far more than it uses) */
  asMb: number;
  /** memory of the whole run as judged (control group: every process, tmpfs, shared memory), MB */
  memoryMb: number;
  nproc: number;
  fsizeMb: number;
  nofile: number;
}

/** where the tools and the program's files are, in the sandbox the command runs in */
export interface ToolPaths {
  box: string;
  python: string;
  gcc: string;
  gxx: string;
  javac: string;
  java: string;
}

export interface LanguageSpec {
  /** host paths that must exist for the language to be offered */
  toolchain: string[];
  /** the name a file is written under (Java: the public class decides) */
  fileName(file: SourceFile, index: number): string;
  /** argv of the compile step, run in BOX with write access; undefined when nothing to compile */
  compile?(names: string[], tools: ToolPaths): string[];
  compileLimits: Omit<ProcessLimits, 'cpuMs'>;
  run(names: string[], files: SourceFile[], memoryMb: number, tools: ToolPaths): string[];
  /** the run's limits for a task memory limit */
  runLimits(memoryMb: number): Omit<ProcessLimits, 'cpuMs'>;
  /** stderr (or stdout: the JVM's -XX:+ExitOnOutOfMemoryError prints there) that means an allocation failed, for a program that died of it */
  outOfMemory: RegExp;
  /** extra wall-clock allowance for startup (the JVM), ms */
  startupMs: number;
  /** one sandbox per program, its tests run by the Python harness (session.ts), where the machine allows */
  harness?: boolean;
}

/** resolves a tool through symlinks (e.g. /usr/bin/java → /usr/lib/jvm/…/bin/java) so /etc/alternatives need not be mounted */
function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** the host's toolchains, mounted read-only into bubblewrap */
export const HOST_TOOLS: ToolPaths = {
  box: BOX,
  python: '/usr/bin/python3',
  gcc: '/usr/bin/gcc',
  gxx: '/usr/bin/g++',
  javac: real('/usr/bin/javac'),
  java: real('/usr/bin/java'),
};

const plain = (file: SourceFile) => file.name;
const compiled = (ext: RegExp, names: string[], box: string) => names.filter((n) => ext.test(n)).map((n) => path.posix.join(box, n));

const PY_CHECK = [
  'import py_compile, sys',
  'for f in sys.argv[1:]:',
  '    try:',
  '        py_compile.compile(f, doraise=True)',
  '    except py_compile.PyCompileError as e:',
  '        sys.stderr.write(e.msg + "\\n")',
  '        sys.exit(1)',
].join('\n');

const nativeCompile = { asMb: 2048, memoryMb: 1024, nproc: 32, fsizeMb: 64, nofile: 128 };

/** the public class of a Java file, which must also be its file name */
export function javaMainClass(content: string): { simple: string; qualified: string } | undefined {
  const cls = /^\s*public\s+(?:(?:final|abstract|strictfp)\s+)*class\s+([A-Za-z_$][\w$]*)/m.exec(content)?.[1];
  if (!cls) return undefined;
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(content)?.[1];
  return { simple: cls, qualified: pkg ? `${pkg}.${cls}` : cls };
}

export const LANGUAGE_SPECS: Partial<Record<Language, LanguageSpec>> = {
  python: {
    toolchain: [HOST_TOOLS.python],
    fileName: plain,
    compile: (names, t) => [t.python, '-E', '-s', '-S', '-c', PY_CHECK, ...names.filter((n) => n.endsWith('.py'))],
    compileLimits: { asMb: 512, memoryMb: 256, nproc: 8, fsizeMb: 16, nofile: 64 },
    // -E: no PYTHON* variables, -s/-S: no site packages (faster start); the script's directory stays importable
    run: (names, _files, _memoryMb, t) => [t.python, '-E', '-s', '-S', '-B', path.posix.join(t.box, names[0]!)],
    runLimits: (memoryMb) => ({ asMb: memoryMb + 64, memoryMb, nproc: 32, fsizeMb: 16, nofile: 64 }),
    outOfMemory: /MemoryError/,
    startupMs: 500,
    harness: true,
  },
  c: {
    toolchain: [HOST_TOOLS.gcc],
    fileName: plain,
    compile: (names, t) => [t.gcc, '-O2', '-std=gnu17', '-pipe', '-o', `${t.box}/main`, ...compiled(/\.c$/, names, t.box), '-lm'],
    compileLimits: nativeCompile,
    run: (_names, _files, _memoryMb, t) => [`${t.box}/main`],
    runLimits: (memoryMb) => ({ asMb: memoryMb + 32, memoryMb, nproc: 32, fsizeMb: 16, nofile: 64 }),
    outOfMemory: /Cannot allocate memory|out of memory/i,
    startupMs: 300,
  },
  cpp: {
    toolchain: [HOST_TOOLS.gxx],
    fileName: plain,
    compile: (names, t) => [t.gxx, '-O2', '-std=gnu++20', '-pipe', '-o', `${t.box}/main`, ...compiled(/\.(cpp|cc|cxx)$/, names, t.box), '-lm'],
    compileLimits: nativeCompile,
    run: (_names, _files, _memoryMb, t) => [`${t.box}/main`],
    runLimits: (memoryMb) => ({ asMb: memoryMb + 48, memoryMb, nproc: 32, fsizeMb: 16, nofile: 64 }),
    outOfMemory: /std::bad_alloc|Cannot allocate memory/,
    startupMs: 300,
  },
  java: {
    toolchain: [HOST_TOOLS.javac, HOST_TOOLS.java],
    fileName: (file, index) => {
      if (index !== 0) return file.name;
      const main = javaMainClass(file.content);
      return main ? `${main.simple}.java` : file.name;
    },
    compile: (names, t) => [
      t.javac,
      '-J-Xmx512m',
      '-J-XX:+UseSerialGC',
      '-J-XX:TieredStopAtLevel=1',
      '-J-XX:-UsePerfData',
      '-encoding',
      'UTF-8',
      '-d',
      `${t.box}/classes`,
      ...compiled(/\.java$/, names, t.box),
    ],
    // the JVM reserves gigabytes of address space it never touches: bound it by its control group instead of RLIMIT_AS
    compileLimits: { asMb: 0, memoryMb: 1024, nproc: 128, fsizeMb: 64, nofile: 512 },
    run: (names, files, memoryMb, t) => {
      const main = javaMainClass(files[0]!.content)?.qualified ?? names[0]!.replace(/\.java$/, '');
      return [
        t.java,
        `-Xmx${memoryMb}m`,
        '-Xss64m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-XX:-UsePerfData',
        '-XX:+ExitOnOutOfMemoryError',
        '-XX:MaxMetaspaceSize=96m',
        '-XX:ReservedCodeCacheSize=32m',
        `-XX:MaxDirectMemorySize=${memoryMb}m`,
        '-Xshare:auto',
        '-Djava.io.tmpdir=/tmp',
        '-cp',
        `${t.box}/classes`,
        main,
      ];
    },
    // heap is bounded by -Xmx; the JVM's own metaspace, code cache and stacks get 224 MB on top
    runLimits: (memoryMb) => ({ asMb: 0, memoryMb: memoryMb + 224, nproc: 128, fsizeMb: 16, nofile: 256 }),
    outOfMemory: /(Terminating due to|Exception in thread "[^"]*") java\.lang\.OutOfMemoryError(?!: unable to create native thread)/,
    startupMs: 1500,
  },
};
