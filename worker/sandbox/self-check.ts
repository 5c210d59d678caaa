import type { Language, Limits, Sandbox, SourceFile } from './index';
import { LANGUAGES } from './index';

/**
 * A hello-world per language through the real runner, as a submission would run: it proves the
 * sandbox, the toolchain and the runner all work here, and the program prints its own version.
 * Uses only the sandbox's public API (`createSandbox`'s Sandbox), not its internals.
 */
export interface LanguageSelfCheck {
  language: Language;
  available: boolean;
  version: string | null;
  reason?: string;
  fix?: string;
}

const HELLO: Record<Language, { files: SourceFile[]; version: (printed: string) => string }> = {
  javascript: {
    // the isolate has no `process`: the version is that of the V8 the runner children share with this process
    files: [{ name: 'main.js', content: 'console.log("hello")' }],
    version: () => `V8 ${process.versions.v8} (isolated-vm, Node ${process.version})`,
  },
  python: {
    files: [{ name: 'main.py', content: 'import sys\nprint("hello")\nprint(sys.version.split()[0])\n' }],
    version: (v) => `Python ${v}`,
  },
  c: {
    files: [
      {
        name: 'main.c',
        content: '#include <stdio.h>\nint main(void){printf("hello\\n%d.%d.%d\\n",__GNUC__,__GNUC_MINOR__,__GNUC_PATCHLEVEL__);return 0;}\n',
      },
    ],
    version: (v) => `gcc ${v}`,
  },
  cpp: {
    files: [
      {
        name: 'main.cpp',
        content: '#include <iostream>\nint main(){std::cout<<"hello\\n"<<__GNUC__<<"."<<__GNUC_MINOR__<<"."<<__GNUC_PATCHLEVEL__<<std::endl;}\n',
      },
    ],
    version: (v) => `g++ ${v}`,
  },
  java: {
    files: [
      {
        name: 'Main.java',
        content:
          'public class Main { public static void main(String[] a) { System.out.println("hello"); System.out.println(System.getProperty("java.version")); } }\n',
      },
    ],
    version: (v) => `Java ${v}`,
  },
};

/** what a Debian/Ubuntu operator installs for a language whose toolchain is missing */
const PACKAGES: Record<Language, string> = {
  javascript: 'npm ci (isolated-vm is an npm package built for the project’s Node 24)',
  python: 'apt-get install python3',
  c: 'apt-get install gcc',
  cpp: 'apt-get install g++',
  java: 'apt-get install default-jdk-headless',
};

/** The fix for a reason the sandbox gave, by what the reason says; the language's package otherwise. */
export function fixFor(language: Language, reason: string, backend = 'auto'): string {
  if (backend === 'docker' && language !== 'javascript') {
    return 'check that the Docker engine answers at DOCKER_HOST and the images are pulled (README.md#docker-sandboxdocker-docker_host)';
  }
  if (/bwrap|bubblewrap/i.test(reason) && /not found|install/i.test(reason)) return 'apt-get install bubblewrap';
  if (/C compiler|sandbox helper/i.test(reason)) return 'apt-get install gcc (the sandbox helper is built with it)';
  if (/cannot create a sandbox|user namespace|Operation not permitted|setting up uid map/i.test(reason)) {
    return 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 kernel.apparmor_restrict_unprivileged_userns=0) or set SANDBOX=docker';
  }
  if (/toolchain|not installed|No such file|ENOENT/i.test(reason)) return PACKAGES[language];
  return `see README.md#requirements-on-the-workers-machine (${PACKAGES[language]})`;
}

/** generous: a cold JVM and a first gcc run on a busy machine */
const CHECK_LIMITS: Limits = { timeMs: 10_000, memoryMb: 256 };
const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text).trim();

type Checked = Pick<Sandbox, 'runnerFor' | 'unavailableReason'>;

async function checkOne(sandbox: Checked, language: Language, backend: string): Promise<LanguageSelfCheck> {
  const unavailable = (reason: string): LanguageSelfCheck => ({
    language,
    available: false,
    version: null,
    reason,
    fix: fixFor(language, reason, backend),
  });
  const why = sandbox.unavailableReason(language);
  if (why) return unavailable(why);
  const hello = HELLO[language];
  try {
    const program = await sandbox.runnerFor(language).prepare(language, hello.files, CHECK_LIMITS);
    try {
      if (!program.compile.ok) return unavailable(`hello world did not compile: ${clip(program.compile.output)}`);
      const run = await program.run('', CHECK_LIMITS);
      const [first, second] = run.stdout.split('\n').map((l) => l.trim());
      if (run.verdict !== 'ok' || first !== 'hello') {
        return unavailable(
          `hello world ended ${run.verdict}: ${clip(run.message ?? (run.stderr || run.stdout || `exit ${run.exitCode ?? run.signal}`))}`,
        );
      }
      return { language, available: true, version: hello.version(second ?? '') };
    } finally {
      await program.dispose();
    }
  } catch (err) {
    return unavailable(`the runner failed: ${clip((err as Error).message)}`);
  }
}

/** Every language, checked side by side. Never throws: a failure is a language's result. `backend`: the SANDBOX setting, for the fix. */
export function checkLanguages(sandbox: Checked, backend = 'auto'): Promise<LanguageSelfCheck[]> {
  return Promise.all(LANGUAGES.map((language) => checkOne(sandbox, language, backend)));
}

/** The log line of one language, e.g. `python: available (Python 3.11.2)`. */
export function describeCheck(c: LanguageSelfCheck): string {
  return c.available ? `${c.language}: available (${c.version})` : `${c.language}: unavailable: ${c.reason}; fix: ${c.fix}`;
}
