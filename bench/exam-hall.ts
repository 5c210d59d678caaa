import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Classroom, ClassroomTeacher, CodingTask, CodingTestCase, User } from '../common/models';
import { cpuBudgetSupport, createCpuBudget, type CpuBudget } from './_cpu-budget';
import { cpuMs, percentile, postgresBackends, processTree, rssMb, stopChild, writeResults } from './_lib';
import { pageFaultCosts } from './_machine';
import { startBenchStack, type BenchStack } from './_stack';
import { diffStats, perSubmission, roleOf, treeStats } from './_proc-stats';

/**
 * The exam hall: 200 students in five classrooms press Submit within the same second. The API runs
 * in this process, the worker(s) in their own, the 200 students and five teachers (one Socket.IO
 * client each) in a third (bench/_exam-hall-clients.ts). For JavaScript and Python, with one worker
 * process and then with two: the delay from each POST to its `grading:completed` at the student AND
 * the teacher (p50, p95, max), the time from the first POST until the last one arrived, the HTTP
 * statuses (503/429 are the backpressure answering; status 0 would be a request that timed out),
 * the grading queue's depth every 100 ms, and the workers' RSS (process tree: tsx, node, runner
 * children) idle and at the peak of the burst. The ceiling beside it: the same grading work straight
 * on the sandbox (bench/_exam-hall-ceiling.ts), no queue, no database, no events.
 *
 * Then the scaling phase: one worker and then two, each worker's process tree held to the same CPU
 * budget by a cgroup quota (bench/_cpu-budget.ts; BENCH_SCALING_CPUS, 0.3 of a core unless told), so
 * the workers are the bottleneck while the API, PostgreSQL, Redis and the clients keep the rest of
 * the cores: the two-worker throughput over the one-worker throughput is what a second core per
 * worker gives (bench/README.md#exam-hall-two-workers-each-on-a-fixed-cpu-budget). Skipped, and said
 * so in the results, where no cgroup cpu controller is writable.
 * Writes bench/results/exam-hall.json. Takes about 3–5 minutes on a quiet 2-core machine.
 */
const STUDENTS_PER_CLASS = Number(process.env.BENCH_STUDENTS_PER_CLASS ?? 40);
const CLASSES = 5;
// BENCH_WORKERS=0 leaves the unconstrained runs out (the scaling phase alone)
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number).filter(Boolean);
const LANGUAGES = (process.env.BENCH_LANGUAGES ?? 'javascript,python').split(',') as Array<'javascript' | 'python'>;
const TIMEOUT_MS: Record<string, number> = { javascript: 30_000, python: 120_000 };
const TARGET_MS: Record<string, number> = { javascript: 2000, python: 10_000 };
const SCALING_CPUS = Number(process.env.BENCH_SCALING_CPUS ?? 0.3);
// the config's default on a 2-core machine (max(2, cores)), the same for one worker and for two
const SCALING_CONCURRENCY = process.env.BENCH_SCALING_CONCURRENCY ?? '2';
// a fresh worker grades its first submissions with code V8 has not compiled yet; two workers share
// the burst, so each pays that once over half as many submissions, which is not what scaling is about
// (BENCH_SCALING_WARM_UP=0: measure cold workers)
const SCALING_WARM_UP = process.env.BENCH_SCALING_WARM_UP !== '0';
const SCALING_BALLAST = process.env.BENCH_SCALING_BALLAST === '1';

const PROGRAMS: Record<'javascript' | 'python', string> = {
  javascript: 'const xs = stdin.split(/\\s+/).filter(Boolean).map(Number);\nconsole.log(xs.reduce((a, b) => a + b, 0));',
  python: 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n',
};
const TESTS = Array.from({ length: 5 }, (_, i) => ({
  stdin: Array.from({ length: 10 * (i + 1) }, (_, k) => k).join(' '),
  expected: String(((10 * (i + 1) - 1) * 10 * (i + 1)) / 2),
}));

const round = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function envFor(runId: string, overrides: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/gema_bench_exam_${runId}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_PREFIX: `gema_bench_exam_${runId}:`,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
    APP_URL: 'http://127.0.0.1',
    // 200 students behind one address here stand for 200 browsers: no per-IP limit. The grading
    // queue's own backpressure (GRADING_QUEUE_MAX_DEPTH, GRADING_MAX_PENDING_PER_USER) stays on.
    RATE_LIMIT_ENABLED: 'false',
    WORKER_QUEUES: 'grading',
    METRICS_ENABLED: 'false',
    ...(process.env.WORKER_CONCURRENCY_GRADING ? { WORKER_CONCURRENCY_GRADING: process.env.WORKER_CONCURRENCY_GRADING } : {}),
    ...overrides,
  };
}

/**
 * CPU used by the workers' process trees (live processes, plus what their reaped children used) and
 * by this process (the API): load-independent, unlike the wall-clock figures on a shared machine.
 */
const treeCpuMs = (pid: number) => processTree(pid).reduce((s, p) => s + cpuMs(p), 0);
const workersCpuMs = (stack: BenchStack) => stack.workers.reduce((sum, w) => sum + treeCpuMs(w.pid!), 0);
const apiCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * CPU of the PostgreSQL backends serving the bench's database, per backend pid: what the burst's
 * queries cost the server (a backend that closes during the burst takes its share with it; the pools
 * keep theirs open). The WAL writer and checkpointer are shared with the machine and left out.
 */
const postgresCpu = (database: string) => new Map(postgresBackends(database).map((pid) => [pid, cpuMs(pid)]));
const postgresCpuSince = (database: string, before: Map<number, number>) =>
  [...postgresCpu(database)].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/** A process that has neither exited nor become a zombie (which has left its groups already). */
const running = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** The sum of the resident memory of every process under each worker (tsx, its node, runner children). */
const workersRss = (stack: BenchStack) => stack.workers.reduce((sum, w) => sum + processTree(w.pid!).reduce((s, p) => s + rssMb(p), 0), 0);

interface ClientsProcess {
  child: ChildProcess;
  command(line: string): Promise<string>;
}

async function startClients(planFile: string): Promise<ClientsProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '_exam-hall-clients.ts'), planFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // the load generator on the other core where there is one: `taskset` is best effort
  if (os.cpus().length > 1)
    spawn('taskset', ['-a', '-p', '-c', String(os.cpus().length - 1), String(child.pid)], { stdio: 'ignore' }).on('error', () => undefined);
  const pending: Array<(line: string) => void> = [];
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      pending.shift()?.(line);
    }
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      pending.push(resolve);
      child.once('exit', (code) => reject(new Error(`exam-hall clients exited with ${code}`)));
    });
  const connected = await next();
  if (!connected.startsWith('CONNECTED ')) throw new Error(`clients: ${connected}`);
  return {
    child,
    command(line) {
      const answer = next();
      child.stdin!.write(`${line}\n`);
      return answer;
    },
  };
}

/**
 * Graded submissions a second in the middle of the burst: between the 10th and the 90th percentile
 * of the completions, leaving out the POSTs' start and the last few stragglers, which take the same
 * time whatever the number of workers.
 */
function steadyPerSecond(sinceFirstPostMs: number[]): number {
  const t = [...sinceFirstPostMs].sort((a, b) => a - b);
  const from = Math.floor(0.1 * t.length);
  const to = Math.ceil(0.9 * t.length) - 1;
  return to > from && t[to]! > t[from]! ? round(((to - from) / (t[to]! - t[from]!)) * 1000) : 0;
}

/** what the scaling phase reads of a language's run (the rest is written as it is) */
interface LanguageRun extends Record<string, unknown> {
  gradedPerSecond: number;
  steadyGradedPerSecond: number;
  firstPostToLastCompletedMs: number;
  postToCompletedAtStudentAndTeacherMs: { p50: number; p95: number; max: number };
  cpuBudget?: ReturnType<typeof cpuBudgetFigures>;
}

interface RunOptions {
  /** worker i's process tree held to budgets[i] */
  budgets?: CpuBudget[];
  env?: Record<string, string>;
  /** an unmeasured JavaScript burst first, so the measured ones find the workers' code compiled */
  warmUp?: boolean;
}

async function oneRun(workers: number, options: RunOptions = {}) {
  const runId = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const env = envFor(runId, options.env ?? {});
  const budgets = options.budgets;
  const stack = await startBenchStack(env, workers, { cpuBudgets: budgets });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-exam-'));
  try {
    const { deps } = stack;
    const teachers: User[] = [];
    const students: Array<{ token: string; classroom: number }> = [];
    const sign = (u: User) =>
      deps.tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name, classroomId: u.classroomId }, crypto.randomUUID()).token;
    for (let c = 0; c < CLASSES; c++) {
      const classroom = await Classroom.create({ name: `XII RPL ${c + 1}`, academicYear: '2025/2026' });
      const teacher = await User.create({
        email: `teacher${c}.${runId}@bench.gema`,
        passwordHash: '!',
        name: `Teacher ${c}`,
        role: 'teacher',
        emailVerifiedAt: new Date(),
      });
      await ClassroomTeacher.create({ classroomId: classroom.id, teacherId: teacher.id });
      teachers.push(teacher);
      const rows = await User.bulkCreate(
        Array.from({ length: STUDENTS_PER_CLASS }, (_, i) => ({
          email: `s${c}-${i}.${runId}@bench.gema`,
          passwordHash: '!',
          name: `Student ${c}-${i}`,
          role: 'student' as const,
          classroomId: classroom.id,
          emailVerifiedAt: new Date(),
        })),
      );
      students.push(...rows.map((u) => ({ token: sign(u), classroom: c })));
    }
    const task = await CodingTask.create({
      slug: 'exam-sum',
      title: 'Exam: sum',
      languages: ['javascript', 'python'],
      classroomId: null,
      createdBy: null,
      published: true,
    });
    await CodingTestCase.bulkCreate(TESTS.map((t, i) => ({ taskId: task.id, position: i, name: `t${i}`, ...t })));

    const planFile = path.join(tmp, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify({ url: stack.url, taskId: task.id, students, teachers: teachers.map(sign), programs: PROGRAMS }));
    const clients = await startClients(planFile);
    const queue = deps.queues.grading;
    try {
      if (options.warmUp) await clients.command(`BURST javascript ${TIMEOUT_MS.javascript}`);
      await sleep(1000);
      const idleRssMb = workersRss(stack);
      const results: Record<string, LanguageRun> = {};
      for (const language of LANGUAGES) {
        const depth: Array<{ tMs: number; waiting: number; active: number }> = [];
        let peakRssMb = 0;
        // the queue's producer (BullMQ, loaded lazily) is loaded before the burst, as an API that has
        // served a submission before has it: its one-time loading is not a cost per submission
        await queue.getJobCounts('waiting');
        const idleCpuMsPerSecond = budgets ? await settle(budgets) : undefined;
        const started = Date.now();
        // the burst's span on the monotonic clock V8's profiler stamps samples with (bench/_profile-summary.ts --window)
        const startedUs = process.hrtime.bigint() / 1000n;
        const database = new URL(env.DATABASE_URL!).pathname.slice(1);
        const cpuBefore = { workers: workersCpuMs(stack), api: apiCpuMs(), postgres: postgresCpu(database) };
        const procBefore = stack.workers.map((w) => treeStats(w.pid!));
        const probed = probeWindow(stack);
        const budgetBefore = budgets?.map((b, i) => ({ cgroupMs: b.usageMs(), treeMs: treeCpuMs(stack.workers[i]!.pid!), ...b.throttling() }));
        // processes of a worker's tree found outside its budget's group (the sandbox's own groups must nest in it)
        let outsideBudget = 0;
        // the sampler below runs in this process: its CPU (reading /proc for the RSS above all) is
        // taken out of the API's figure
        let samplerCpuMs = 0;
        let sampling = true;
        // the workers' minor page faults by role over the burst (a cost paid once per process per burst
        // shows up front, one paid per submission spreads evenly)
        const faultTimeline: Array<{ tMs: number; runner: number; worker: number }> = [];
        const faults = () => {
          const per = stack.workers.map((w) => treeStats(w.pid!));
          return {
            runner: per.reduce((s, t) => s + (t.runner?.minorFaults ?? 0), 0),
            worker: per.reduce((s, t) => s + (t.worker?.minorFaults ?? 0), 0),
          };
        };
        const faultsAtStart = faults();
        const sampler = (async () => {
          while (sampling) {
            const f = faults();
            faultTimeline.push({ tMs: Date.now() - started, runner: f.runner - faultsAtStart.runner, worker: f.worker - faultsAtStart.worker });
            let t0 = apiCpuMs();
            const pending = queue.getJobCounts('waiting', 'prioritized', 'active');
            samplerCpuMs += apiCpuMs() - t0;
            // a sample lost to a slow Redis on a loaded machine is skipped, not the run
            const counts = await pending.catch(() => undefined);
            t0 = apiCpuMs();
            if (counts) {
              depth.push({ tMs: Date.now() - started, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0 });
            }
            peakRssMb = Math.max(peakRssMb, workersRss(stack));
            budgets?.forEach((b, i) => {
              // the tree first, the group second: a process forked in between is in both
              const tree = processTree(stack.workers[i]!.pid!);
              const inside = new Set(b.pids());
              // one the group's list missed (forked a moment ago) is asked itself
              outsideBudget = Math.max(outsideBudget, tree.filter((p) => !inside.has(p) && running(p) && b.holds(p) === false).length);
            });
            samplerCpuMs += apiCpuMs() - t0;
            await sleep(100);
          }
        })();
        const line = await clients.command(`BURST ${language} ${TIMEOUT_MS[language]}`);
        sampling = false;
        await sampler;
        const cpu = {
          workers: workersCpuMs(stack) - cpuBefore.workers,
          api: apiCpuMs() - cpuBefore.api - samplerCpuMs,
          postgres: postgresCpuSince(database, cpuBefore.postgres),
        };
        const procAfter = stack.workers.map((w) => treeStats(w.pid!));
        const probe = await probed.end();
        const budgetAfter = budgets?.map((b, i) => ({ cgroupMs: b.usageMs(), treeMs: treeCpuMs(stack.workers[i]!.pid!), ...b.throttling() }));
        const endedUs = process.hrtime.bigint() / 1000n;
        const burst = JSON.parse(line.slice('RESULT '.length)) as {
          submissions: Array<{
            status: number;
            answerMs: number;
            studentMs: number | null;
            teacherMs: number | null;
            sinceFirstPostMs: number | null;
          }>;
          firstPostEpochMs: number;
        };
        const both = burst.submissions.filter((s) => s.studentMs !== null && s.teacherMs !== null);
        const delay = both.map((s) => Math.max(s.studentMs!, s.teacherMs!));
        const statuses: Record<string, number> = {};
        for (const s of burst.submissions) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
        const lastMs = Math.max(0, ...both.map((s) => s.sinceFirstPostMs!));
        const offset = burst.firstPostEpochMs - started;
        results[language] = {
          submissions: burst.submissions.length,
          statuses,
          timedOutRequests: statuses['0'] ?? 0,
          gradedAndDelivered: both.length,
          postToCompletedAtStudentAndTeacherMs: {
            p50: percentile(delay, 50),
            p95: percentile(delay, 95),
            max: delay.length ? Math.max(...delay) : 0,
          },
          postAnswerMs: {
            p50: percentile(
              burst.submissions.map((s) => s.answerMs),
              50,
            ),
            p95: percentile(
              burst.submissions.map((s) => s.answerMs),
              95,
            ),
          },
          firstPostToLastCompletedMs: lastMs,
          gradedPerSecond: lastMs ? round((both.length / lastMs) * 1000) : 0,
          steadyGradedPerSecond: steadyPerSecond(both.map((s) => s.sinceFirstPostMs!)),
          targetMs: TARGET_MS[language],
          withinTarget: both.length === burst.submissions.length && lastMs <= TARGET_MS[language]!,
          workerRssMb: { idle: idleRssMb, peak: peakRssMb },
          // CPU per accepted submission: what the exam hall costs whatever else the machine is doing
          cpuMsPerAcceptedSubmission: {
            workers: round(cpu.workers / Math.max(1, statuses['202'] ?? 0)),
            api: round(cpu.api / Math.max(1, statuses['202'] ?? 0)),
            postgres: round(cpu.postgres / Math.max(1, statuses['202'] ?? 0)),
          },
          ...(budgets && budgetBefore && budgetAfter
            ? {
                cpuBudget: cpuBudgetFigures(budgets, budgetBefore, budgetAfter, idleCpuMsPerSecond!, {
                  submissions: Math.max(1, statuses['202'] ?? 0),
                  lastMs,
                  outsideBudget,
                }),
              }
            : {}),
          profileWindowUs: `${startedUs}-${endedUs}`,
          // per accepted submission, the workers' trees by process role and thread (bench/_proc-stats.ts)
          procPerSubmission: perSubmission(
            procAfter.map((a, i) => diffStats(procBefore[i]!, a)),
            Math.max(1, statuses['202'] ?? 0),
          ),
          faultTimeline,
          ...(probe.length ? { probePerSubmission: probeFigures(probe, Math.max(1, statuses['202'] ?? 0)) } : {}),
          // the queue's depth every 100 ms, from the first POST
          queueDepth: depth.filter((d) => d.tMs >= offset - 100).map((d) => ({ ...d, tMs: Math.round(d.tMs - offset) })),
        };
        process.stdout.write(`${workers} worker(s) ${language}: ${JSON.stringify({ ...results[language], queueDepth: undefined })}\n`);
        await sleep(1000);
      }
      return { results, written: { workerProcesses: workers, concurrencyPerWorker: deps.config.worker.concurrency.grading, ...results } };
    } finally {
      await clients.command('QUIT').catch(() => undefined);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await stack.stop();
  }
}

/**
 * With BENCH_WORKER_PROBE_DIR (and the probe preloaded: BENCH_WORKER_NODE_FLAGS="--import
 * <abs>/bench/_worker-probe.mjs"), a window of each worker node's own counters over the burst.
 */
function probeWindow(stack: BenchStack) {
  const dir = process.env.BENCH_WORKER_PROBE_DIR;
  const pids = dir ? stack.workers.flatMap((w) => processTree(w.pid!).filter((p) => roleOf(p) === 'worker')) : [];
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
  // BENCH_PERF_DIR: an on-CPU profile (perf's task-clock, which a CFS quota's throttled waits do not
  // reach, unlike V8's sampler) of every process of the workers' trees over the burst; with
  // BENCH_WORKER_NODE_FLAGS=--perf-basic-prof perf names the JavaScript functions
  const perfDir = process.env.BENCH_PERF_DIR;
  const perf = perfDir
    ? spawn(
        'perf',
        [
          'record',
          '-q',
          '-e',
          'task-clock',
          '-F',
          '1999',
          '-g',
          '-o',
          path.join(perfDir, `${stack.workers.length}w-${process.pid}-${Date.now()}.data`),
          '-p',
          stack.workers.flatMap((w) => processTree(w.pid!)).join(','),
        ],
        { stdio: 'ignore' },
      )
    : undefined;
  return {
    async end(): Promise<ProbeResult[]> {
      if (perf) {
        const exited = new Promise((r) => perf.once('exit', r));
        perf.kill('SIGINT');
        await exited;
      }
      if (!dir) return [];
      for (const pid of pids) {
        fs.rmSync(path.join(dir, `${pid}.json`), { force: true });
        process.kill(pid, 'SIGUSR2');
      }
      const files = pids.map((pid) => path.join(dir, `${pid}.json`));
      for (const deadline = Date.now() + 5000; Date.now() < deadline && !files.every((f) => fs.existsSync(f));) await sleep(50);
      return files.filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as ProbeResult);
    },
  };
}

interface ProbeResult {
  cpuUserMs: number;
  cpuSystemMs: number;
  allocatedBytes: number;
  gc: { scavenges: number; fullGcs: number; ms: number };
  commands: Record<string, number>;
  sockets: Record<string, { writes: number; bytesOut: number; dataEvents: number; bytesIn: number }>;
}

/** the probes of one run's workers summed, per submission */
function probeFigures(probes: ProbeResult[], submissions: number) {
  const per = (n: number) => Math.round((n / submissions) * 100) / 100;
  const sum = (f: (p: ProbeResult) => number) => per(probes.reduce((s, p) => s + f(p), 0));
  const commands: Record<string, number> = {};
  const sockets: Record<string, Record<string, number>> = {};
  for (const p of probes) {
    for (const [k, v] of Object.entries(p.commands)) commands[k] = (commands[k] ?? 0) + v;
    for (const [port, c] of Object.entries(p.sockets)) {
      const o = (sockets[port] ??= {});
      for (const [k, v] of Object.entries(c)) o[k] = (o[k] ?? 0) + v;
    }
  }
  return {
    workerMainCpuUserMs: sum((p) => p.cpuUserMs),
    workerMainCpuSystemMs: sum((p) => p.cpuSystemMs),
    allocatedKb: sum((p) => p.allocatedBytes / 1024),
    gcMs: sum((p) => p.gc.ms),
    scavenges: sum((p) => p.gc.scavenges),
    fullGcs: sum((p) => p.gc.fullGcs),
    commands: Object.fromEntries(Object.entries(commands).map(([k, v]) => [k, per(v)])),
    sockets: Object.fromEntries(
      Object.entries(sockets).map(([port, c]) => [port, Object.fromEntries(Object.entries(c).map(([k, v]) => [k, per(v)]))]),
    ),
  };
}

interface BudgetReading {
  cgroupMs: number;
  treeMs: number;
  periods: number;
  throttledPeriods: number;
  throttledMs: number;
}

/**
 * Per worker: the CPU its budget's group counted (every process that ran in it or in a group beneath
 * it, the sandbox's run groups included) beside the CPU of its process tree as /proc has it; a tree
 * whose CPU exceeded the group's would have escaped the quota. How much of the budget the burst
 * used (near 1: the workers were the bottleneck), and how often the quota made them wait.
 */
function cpuBudgetFigures(
  budgets: CpuBudget[],
  before: BudgetReading[],
  after: BudgetReading[],
  idleCpuMsPerSecond: number,
  burst: { submissions: number; lastMs: number; outsideBudget: number },
) {
  const perWorker = budgets.map((_, i) => {
    const d = (k: keyof BudgetReading) => after[i]![k] - before[i]![k];
    return {
      cgroupCpuMs: Math.round(d('cgroupMs')),
      processTreeCpuMs: Math.round(d('treeMs')),
      periods: d('periods'),
      throttledPeriods: d('throttledPeriods'),
      throttledMs: Math.round(d('throttledMs')),
    };
  });
  const cgroupMs = perWorker.reduce((s, w) => s + w.cgroupCpuMs, 0);
  return {
    level: budgets[0]!.level,
    cpusPerWorker: budgets[0]!.cpus,
    perWorker,
    cgroupCpuMsPerSubmission: round(cgroupMs / burst.submissions),
    processTreeCpuMsPerSubmission: round(perWorker.reduce((s, w) => s + w.processTreeCpuMs, 0) / burst.submissions),
    idleCpuMsPerSecondPerWorker: idleCpuMsPerSecond,
    budgetUsedFirstPostToLast: burst.lastMs ? Math.round((cgroupMs / (burst.lastMs * budgets.length * budgets[0]!.cpus)) * 100) / 100 : 0,
    processesOutsideBudget: burst.outsideBudget,
  };
}

/**
 * Waits until the budgeted workers are idle (under 2 % of their budget over half a second, at most
 * 60 s): a worker warms its runner pool when it starts, and on a fraction of a core that takes
 * seconds; what is left of it would be charged to the burst. Returns the idle CPU per worker, ms/s.
 */
async function settle(budgets: CpuBudget[]): Promise<number> {
  const used = () => budgets.reduce((s, b) => s + b.usageMs(), 0);
  let rate = Infinity;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const before = used();
    await sleep(500);
    rate = (used() - before) / 0.5 / budgets.length;
    if (rate < 0.02 * 1000 * budgets[0]!.cpus) break;
  }
  return round(rate);
}

/**
 * One worker, then two, each on a budget of SCALING_CPUS of a core: the scaling factor is the
 * two-worker throughput over the one-worker throughput, per language.
 */
async function scaling() {
  const support = cpuBudgetSupport();
  if (process.env.BENCH_SCALING === '0') return { skipped: 'BENCH_SCALING=0' };
  if (support.level === 'none') {
    process.stdout.write(`scaling: skipped: no writable cgroup cpu controller (${support.reason})\n`);
    return { skipped: `no writable cgroup cpu controller: ${support.reason}` };
  }
  const runs: Array<Awaited<ReturnType<typeof oneRun>>> = [];
  try {
    // a controller the parent cannot hand down (cgroup v2, a group holding processes) shows only here
    await createCpuBudget('probe', SCALING_CPUS).remove();
  } catch (err) {
    process.stdout.write(`scaling: skipped: ${(err as Error).message}\n`);
    return { skipped: (err as Error).message };
  }
  // BENCH_SCALING_BALLAST=1: between the two, one worker again while a ballast on a budget of its
  // own grades on the sandbox in a loop (bench/_exam-hall-ceiling.ts): the machine as busy as a second
  // worker makes it, without a second worker on the queue (its figures in `ballastRun`, not the factor)
  let ballastRun: Awaited<ReturnType<typeof oneRun>> | undefined;
  for (const step of SCALING_BALLAST ? ['1', '1+ballast', '2'] : ['1', '2']) {
    const workers = Number(step[0]);
    const budgets: CpuBudget[] = [];
    let ballast: { budget: CpuBudget; child: ChildProcess } | undefined;
    try {
      for (let i = 0; i < workers; i++) budgets.push(createCpuBudget(`exam-${step.replace('+', '-')}-${i}`, SCALING_CPUS));
      if (step === '1+ballast') ballast = startBallast(createCpuBudget('exam-ballast', SCALING_CPUS));
      process.stdout.write(`scaling: ${step} worker(s), ${SCALING_CPUS} CPU each (${support.level})\n`);
      const run = await oneRun(workers, { budgets, env: { WORKER_CONCURRENCY_GRADING: SCALING_CONCURRENCY }, warmUp: SCALING_WARM_UP });
      if (ballast) ballastRun = run;
      else runs.push(run);
    } finally {
      if (ballast) {
        await stopChild(ballast.child);
        await ballast.budget.remove();
      }
      for (const b of budgets) await b.remove();
    }
  }
  const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 100) / 100 : 0);
  const summary = (language: string) => {
    const [one, two] = runs.map((r) => r.results[language]!) as [LanguageRun, LanguageRun];
    const figures = (r: LanguageRun) => ({
      gradedPerSecond: r.gradedPerSecond,
      steadyGradedPerSecond: r.steadyGradedPerSecond,
      firstPostToLastCompletedMs: r.firstPostToLastCompletedMs,
      postToCompletedMs: r.postToCompletedAtStudentAndTeacherMs,
      workerCpuMsPerSubmission: r.cpuBudget!.cgroupCpuMsPerSubmission,
      budgetUsed: r.cpuBudget!.budgetUsedFirstPostToLast,
    });
    return {
      oneWorker: figures(one),
      twoWorkers: figures(two),
      scalingFactor: ratio(two.gradedPerSecond, one.gradedPerSecond),
      steadyScalingFactor: ratio(two.steadyGradedPerSecond, one.steadyGradedPerSecond),
      // the factor as two budgets over the CPU a submission cost and how much of the budgets was used:
      // 2 × (CPU a submission with one ÷ with two) × (budget used with two ÷ with one)
      explainedFactor: ratio(
        2 * one.cpuBudget!.cgroupCpuMsPerSubmission * two.cpuBudget!.budgetUsedFirstPostToLast,
        two.cpuBudget!.cgroupCpuMsPerSubmission * one.cpuBudget!.budgetUsedFirstPostToLast,
      ),
    };
  };
  return {
    what: `each worker process tree (tsx, node, runner children, Python sandboxes) held to ${SCALING_CPUS} CPU by a cgroup quota (${support.level}); one worker, then two`,
    cpusPerWorker: SCALING_CPUS,
    concurrencyPerWorker: Number(SCALING_CONCURRENCY),
    ...Object.fromEntries(LANGUAGES.map((l) => [l, summary(l)])),
    runs: runs.map((r) => r.written),
    ...(ballastRun ? { ballastRun: ballastRun.written } : {}),
  };
}

/** the exam hall's grading straight on the sandbox, two at a time, in a loop, inside `budget` */
function startBallast(budget: CpuBudget): { budget: CpuBudget; child: ChildProcess } {
  const plain = {
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      path.join(__dirname, '_exam-hall-ceiling.ts'),
      'javascript',
      '1000000',
      '2',
      JSON.stringify({ source: PROGRAMS.javascript, tests: TESTS }),
    ],
  };
  const { command, args } = budget.wrap(plain.command, plain.args);
  return { budget, child: spawn(command, args, { stdio: 'ignore' }) };
}

function ceiling(language: string, concurrency: number): Promise<unknown> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, '_exam-hall-ceiling.ts'),
      language,
      String(STUDENTS_PER_CLASS * CLASSES),
      String(concurrency),
      JSON.stringify({ source: PROGRAMS[language as 'javascript'], tests: TESTS }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('CEILING '));
      if (code !== 0 || !line) return reject(new Error(`ceiling ${language} exited with ${code}`));
      resolve(JSON.parse(line.slice('CEILING '.length)));
    });
  });
}

async function main() {
  const loadAtStart = os.loadavg().map(round);
  const runs = [];
  for (const n of WORKER_COUNTS) runs.push((await oneRun(n)).written);
  const scaled = await scaling();
  const ceilings = [];
  // the worker's default (common/config/schema.ts): one job per core, at least two
  const concurrency = Number(process.env.WORKER_CONCURRENCY_GRADING ?? Math.max(2, os.availableParallelism()));
  // BENCH_CEILING=0 leaves the ceiling out (A/B runs of the exam hall itself)
  for (const language of process.env.BENCH_CEILING === '0' ? [] : LANGUAGES) {
    ceilings.push(await ceiling(language, concurrency));
    ceilings.push(await ceiling(language, concurrency * 2));
  }
  writeResults('exam-hall', {
    bench: 'exam-hall',
    date: new Date().toISOString(),
    node: process.versions.node,
    machine: { cpus: os.cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg().map(round), pageFaults: pageFaultCosts() },
    scenario: `${STUDENTS_PER_CLASS * CLASSES} students in ${CLASSES} classrooms POST one submission each at once (5 tests, all accepted); one socket per student and per teacher, in a separate process`,
    targets: { javascriptAllDeliveredMs: TARGET_MS.javascript, pythonAllDeliveredMs: TARGET_MS.python, javascriptGradesPerSecondPerWorker: 150 },
    runs,
    scaling: scaled,
    ceiling: {
      what: 'the same grading work (prepare, 5 runs, dispose) straight on the sandbox in one process: no queue, no database, no events',
      runs: ceilings,
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
