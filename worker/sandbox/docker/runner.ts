import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { CompileResult, Language, Limits, PreparedProgram, RunResult, Runner, SourceFile } from '../types';
import { clip, COMPILE_LIMITS, COMPILE_OUTPUT_KEEP_BYTES, internalError, OutputCapture, outputCaps, type OutputCaps } from '../limits';
import { LANGUAGE_SPECS, type ToolPaths } from '../bwrap/languages';
import { validFileName } from '../files';
import { dockerClient } from './probe';
import { tar } from './tar';

const NOBODY = 65534;
/** the program's directory inside the volume: the volume's root belongs to root, this one to the sandbox user */
const BOX = '/box/src';

/** Images per language (official images; tools found through PATH). Pull them before use. */
export const DEFAULT_DOCKER_IMAGES: Partial<Record<Language, string>> = {
  python: 'python:3.12-slim',
  c: 'gcc:13',
  cpp: 'gcc:13',
  java: 'eclipse-temurin:17-jdk',
};

const DOCKER_TOOLS: ToolPaths = { box: BOX, python: 'python3', gcc: 'gcc', gxx: 'g++', javac: 'javac', java: 'java' };

interface ContainerOutcome {
  output: OutputCapture;
  exitCode: number | null;
  oomKilled: boolean;
  /** the container's cgroup as the engine reports it: CPU time (ns) and the highest memory seen (bytes) */
  engine: EngineFigures;
  timedOut: boolean;
  outputLimited: boolean;
  wallMs: number;
}

/**
 * The same languages through the Docker Engine API, for hosts where bubblewrap cannot run: one
 * volume per prepared program (written once, compiled once, mounted read-only by every run), one
 * container per run with no network, a read-only root, a tmpfs /tmp, the sandbox user, cgroup
 * memory/PIDs/CPU limits and dropped capabilities. Limits and figures come from the engine (the
 * container's cgroup): memory_limit from its OOM kill, memory from its stats stream, time from the
 * wall clock under a one-CPU quota (see judge()).
 */
export class DockerRunner implements Runner {
  readonly name = 'docker' as const;
  private readonly docker: Docker;

  constructor(
    dockerHost?: string,
    private readonly images: Partial<Record<Language, string>> = DEFAULT_DOCKER_IMAGES,
  ) {
    this.docker = dockerClient(dockerHost);
  }

  supports(language: Language): boolean {
    return LANGUAGE_SPECS[language] !== undefined && this.images[language] !== undefined;
  }

  async prepare(language: Language, files: SourceFile[], _limits: Limits): Promise<PreparedProgram> {
    const spec = LANGUAGE_SPECS[language];
    const image = this.images[language];
    if (!spec || !image) throw new Error(`docker cannot run ${language}`);
    const bad = files.find((f) => !validFileName(f.name));
    if (files.length === 0 || bad) {
      return notCompiled({ ok: false, output: bad ? `invalid file name: ${JSON.stringify(bad.name)}` : 'no source files', timeMs: 0 });
    }
    const names = files.map((f, i) => spec.fileName(f, i));
    const volume = await this.docker.createVolume({ Name: `gema-box-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` });
    const dispose = async () => {
      await volume.remove({ force: true }).catch(() => undefined);
    };
    try {
      await this.writeFiles(image, volume.name, names, files);
      let compile: CompileResult = { ok: true, output: '', timeMs: 0 };
      if (spec.compile) {
        const out = await this.runContainer({
          image,
          volume: volume.name,
          writable: true,
          argv: spec.compile(names, DOCKER_TOOLS),
          stdin: '',
          memoryMb: 1024,
          timeMs: COMPILE_LIMITS.timeMs,
          wallMs: COMPILE_LIMITS.timeMs * 1.5,
          pids: 64,
          caps: { keep: COMPILE_OUTPUT_KEEP_BYTES, hard: 4 * 1024 * 1024 },
        });
        const text = (out.output.stdout.text() + out.output.stderr.text()).replaceAll(`${BOX}/`, '');
        compile = {
          ok: out.exitCode === 0 && !out.timedOut && !out.oomKilled,
          output: clip(
            out.timedOut ? `compilation timed out\n${text}` : out.oomKilled ? `the compiler ran out of memory\n${text}` : text,
            COMPILE_OUTPUT_KEEP_BYTES,
          ),
          timeMs: Math.round(out.wallMs),
        };
      }
      return {
        compile,
        run: async (stdin: string, limits: Limits): Promise<RunResult> => {
          if (!compile.ok) return internalError('the program did not compile');
          try {
            const runLimits = spec.runLimits(limits.memoryMb);
            const out = await this.runContainer({
              image,
              volume: volume.name,
              writable: false,
              argv: spec.run(names, files, limits.memoryMb, DOCKER_TOOLS),
              stdin,
              // the cgroup limit is the hard stop; the JVM's own overhead is allowed on top of -Xmx
              memoryMb: runLimits.memoryMb,
              timeMs: limits.timeMs,
              wallMs: limits.timeMs * 2 + spec.startupMs + 1000,
              pids: runLimits.nproc,
              caps: outputCaps(limits),
            });
            return judge(out, limits, spec.outOfMemory, spec.startupMs);
          } catch (err) {
            return internalError(`docker run failed: ${(err as Error).message}`);
          }
        },
        dispose,
      };
    } catch (err) {
      await dispose();
      throw err;
    }
  }

  private async writeFiles(image: string, volume: string, names: string[], files: SourceFile[]): Promise<void> {
    const holder = await this.docker.createContainer({
      Image: image,
      Cmd: ['true'],
      NetworkDisabled: true,
      HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/box' }], NetworkMode: 'none' },
    });
    try {
      const archive = await tar([
        { name: 'src', uid: NOBODY, gid: NOBODY },
        ...files.map((f, i) => ({ name: `src/${names[i]}`, content: f.content, uid: NOBODY, gid: NOBODY })),
      ]);
      await holder.putArchive(archive, { path: '/box' });
    } finally {
      await holder.remove({ force: true }).catch(() => undefined);
    }
  }

  private async runContainer(opts: {
    image: string;
    volume: string;
    writable: boolean;
    argv: string[];
    stdin: string;
    memoryMb: number;
    timeMs: number;
    wallMs: number;
    pids: number;
    caps: OutputCaps;
  }): Promise<ContainerOutcome> {
    const cpuSeconds = Math.ceil(opts.timeMs / 1000) + 1;
    const container = await this.docker.createContainer({
      Image: opts.image,
      Cmd: opts.argv,
      User: `${NOBODY}:${NOBODY}`,
      WorkingDir: opts.writable ? BOX : '/tmp',
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin:/opt/java/openjdk/bin', 'HOME=/tmp', 'TMPDIR=/tmp', 'LANG=C.UTF-8'],
      NetworkDisabled: true,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
        Mounts: [{ Type: 'volume', Source: opts.volume, Target: '/box', ReadOnly: !opts.writable }],
        Memory: opts.memoryMb * 1024 * 1024,
        MemorySwap: opts.memoryMb * 1024 * 1024,
        PidsLimit: opts.pids,
        NanoCpus: 1_000_000_000,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Ulimits: [
          { Name: 'cpu', Soft: cpuSeconds, Hard: cpuSeconds + 1 },
          { Name: 'fsize', Soft: 16 * 1024 * 1024, Hard: 16 * 1024 * 1024 },
          { Name: 'nofile', Soft: 256, Hard: 256 },
          { Name: 'core', Soft: 0, Hard: 0 },
        ],
      },
    });
    const output = new OutputCapture(opts.caps);
    let outputLimited = false;
    let timedOut = false;
    const kill = () => container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    const sink = (target: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          output[target].push(chunk);
          if (!outputLimited && output.overHardCap) {
            outputLimited = true;
            void kill();
          }
          done();
        },
      });
    try {
      const stream = await container.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true });
      const ended = new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', () => resolve());
      });
      container.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
      const engine = watchStats(container);
      await container.start();
      const started = Date.now();
      stream.end(opts.stdin);
      const timer = setTimeout(() => {
        timedOut = true;
        void kill();
      }, opts.wallMs);
      const status = (await container.wait()) as { StatusCode: number };
      clearTimeout(timer);
      const wallMs = Date.now() - started;
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
      const info = await container.inspect();
      engine.stop();
      return { output, exitCode: status.StatusCode, oomKilled: info.State.OOMKilled, timedOut, outputLimited, wallMs, engine: engine.figures };
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }
}

interface EngineFigures {
  cpuNs: number;
  peakBytes: number;
}

interface EngineStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; max_usage?: number };
}

/**
 * Follows the engine's stats stream of a container (its cgroup: cpuacct/cpu.stat and memory, about
 * once a second) and keeps the last CPU total and the highest memory figure.
 */
function watchStats(container: Docker.Container): { figures: EngineFigures; stop(): void } {
  const figures: EngineFigures = { cpuNs: 0, peakBytes: 0 };
  let stream: NodeJS.ReadableStream | undefined;
  let stopped = false;
  container
    .stats({ stream: true })
    .then((s) => {
      stream = s as NodeJS.ReadableStream;
      if (stopped) (stream as unknown as { destroy?: () => void }).destroy?.();
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            const sample = JSON.parse(line) as EngineStats;
            figures.cpuNs = Math.max(figures.cpuNs, sample.cpu_stats?.cpu_usage?.total_usage ?? 0);
            figures.peakBytes = Math.max(figures.peakBytes, sample.memory_stats?.max_usage ?? 0, sample.memory_stats?.usage ?? 0);
          } catch {
            // a partial line: the next chunk completes it
          }
        }
      });
      stream.on('error', () => {});
    })
    .catch(() => {});
  return {
    figures,
    stop() {
      stopped = true;
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
}

/**
 * The engine's figures after the fact are coarse (stats about once a second, nothing after exit): time
 * is judged on the wall clock, less the language's start-up allowance, and reported as the larger of
 * wall clock and the engine's CPU total; memory is the highest the engine reported, and at least the
 * limit after an OOM kill (the container's cgroup decides memory_limit).
 */
function judge(out: ContainerOutcome, limits: Limits, outOfMemory: RegExp, startupMs: number): RunResult {
  const fields = out.output.fields();
  // Docker reports a signal death as 128 + signal number
  const signal = out.exitCode !== null && out.exitCode > 128 ? `SIG${out.exitCode - 128}` : null;
  const result: RunResult = {
    ...fields,
    verdict: 'ok',
    exitCode: signal ? null : out.exitCode,
    signal,
    // one CPU (NanoCpus) bounds CPU time by the wall clock, and the engine's samples may miss the end
    timeMs: Math.max(out.wallMs, out.engine.cpuNs / 1e6),
    memoryKb: Math.round(Math.max(out.engine.peakBytes / 1024, out.oomKilled ? limits.memoryMb * 1024 : 0)),
  };
  const failed = out.exitCode !== 0;
  if (out.outputLimited) result.verdict = 'output_limit';
  else if (out.oomKilled) result.verdict = 'memory_limit';
  else if (out.timedOut || out.exitCode === 128 + 24 /* SIGXCPU */ || out.wallMs > limits.timeMs + startupMs) result.verdict = 'time_limit';
  else if (failed && (outOfMemory.test(fields.stderr) || outOfMemory.test(fields.stdout))) result.verdict = 'memory_limit';
  else if (failed) result.verdict = 'runtime_error';
  return result;
}

function notCompiled(compile: CompileResult): PreparedProgram {
  return { compile, run: async () => internalError('the program did not compile'), dispose: async () => {} };
}
