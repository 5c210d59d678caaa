import type { Worker } from 'bullmq';
import { CodingSubmission, CodingTask, CodingTestCase, type CodingLanguage } from '../../common/models';
import type { TestInput } from '../../api/coding-lab/schemas';
import { createSandbox, type Sandbox } from '../../worker/sandbox';
import { createGradingProcessor, type GradingProcessorOptions } from '../../worker/grading/processor';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { enqueue } from '../../common/queues';
import { apiDeps, testWorkerDeps } from '../support/deps';
import { createUser } from '../support/factories';
import type { WorkerDeps } from '../../worker/deps';

let slugCounter = 0;

export function testCase(overrides: Partial<TestInput> & Pick<TestInput, 'expected'>): TestInput {
  return {
    name: 'case',
    stdin: '',
    comparison: 'trim',
    tolerance: null,
    points: 1,
    visibility: 'show',
    sample: false,
    ...overrides,
  };
}

/** A published task straight in the database, for tests about grading rather than authoring. */
export async function makeTask(
  opts: Partial<Pick<CodingTask, 'classroomId' | 'published' | 'scoring' | 'stopOnFirstFailure' | 'timeLimitMs' | 'createdBy'>> & {
    languages?: CodingLanguage[];
    tests: TestInput[];
  },
): Promise<CodingTask> {
  const { tests, ...fields } = opts;
  const task = await CodingTask.create({
    slug: `task-${process.pid}-${++slugCounter}-${Date.now()}`,
    title: `Task ${slugCounter}`,
    languages: opts.languages ?? ['javascript', 'python', 'c', 'cpp', 'java'],
    classroomId: null,
    createdBy: null,
    published: true,
    ...fields,
  });
  await CodingTestCase.bulkCreate(tests.map((t, position) => ({ ...t, taskId: task.id, position })));
  return task;
}

/** Sum the numbers on stdin: the reference program in each language. */
export const SUM_PROGRAMS: Record<CodingLanguage, string> = {
  javascript: `const nums = stdin.split(/\\s+/).filter(Boolean).map(Number);\nconsole.log(nums.reduce((a, b) => a + b, 0));`,
  python: 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n',
  c: '#include <stdio.h>\nint main(void){long s=0,x;while(scanf("%ld",&x)==1)s+=x;printf("%ld\\n",s);return 0;}\n',
  cpp: '#include <iostream>\nint main(){long s=0,x;while(std::cin>>x)s+=x;std::cout<<s<<std::endl;}\n',
  java: 'import java.util.Scanner;\npublic class Main { public static void main(String[] a) { Scanner in = new Scanner(System.in); long s = 0; while (in.hasNextLong()) s += in.nextLong(); System.out.println(s); } }\n',
};

export interface RunningWorker {
  deps: WorkerDeps;
  worker: Worker;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/** A real grading worker in this process, on the suite's queue, with the machine's real sandbox. */
export async function startGradingWorker(
  options: GradingProcessorOptions & { concurrency?: number; sandbox?: Sandbox; env?: Record<string, string> } = {},
): Promise<RunningWorker> {
  const deps = testWorkerDeps(options.env);
  const sandbox = options.sandbox ?? createSandbox({ backend: 'auto' });
  const definition = await createGradingProcessor(deps, { sweepEveryMs: 0, ...options, sandbox });
  const worker = startQueueWorker(deps, 'grading', definition, options.concurrency ?? 2) as unknown as Worker;
  await worker.waitUntilReady();
  return {
    deps,
    worker,
    sandbox,
    async close() {
      await closeWorkers([worker], 10_000);
      if (!options.sandbox) await sandbox.close();
    },
  };
}

/** A submission by a fresh student, straight in the database and on the grading queue, as the API would queue it. */
export async function submitDirect(task: CodingTask, language: CodingLanguage, content: string, name?: string): Promise<string> {
  const user = await createUser();
  const s = await CodingSubmission.create({
    taskId: task.id,
    userId: user.id,
    classroomId: null,
    language,
    files: [{ name: name ?? { javascript: 'main.js', python: 'main.py', c: 'main.c', cpp: 'main.cpp', java: 'Main.java' }[language], content }],
    attempt: 1,
    jobId: null,
  });
  await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: s.id }, { jobId: s.id });
  return s.id;
}

/** Polls until the submission leaves queued/running (the test's own timeout bounds the wait). */
export async function settled(id: string): Promise<CodingSubmission> {
  for (;;) {
    const s = await CodingSubmission.findByPk(id);
    if (s && (s.status === 'completed' || s.status === 'failed')) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}
