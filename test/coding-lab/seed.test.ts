import { expect } from 'chai';
import { apiDeps } from '../support/deps';
import { createSchool } from '../support/factories';
import { CodingSubmission, CodingTestCase, type CodingTask } from '../../common/models';
import { enqueue } from '../../common/queues';
import { seedCodingLab, DEMO_TASKS } from '../../scripts/seed/coding-lab';
import { settled, startGradingWorker, type RunningWorker } from './helpers';

/** A reference solution per demo task: every seeded test, hidden ones included, must accept it. */
const SOLUTIONS: Record<string, string> = {
  'hello-gema': 'print("Hello, GEMA!")',
  'sum-of-numbers': 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))',
  fizzbuzz:
    'n = int(input())\nfor i in range(1, n + 1):\n    print("FizzBuzz" if i % 15 == 0 else "Fizz" if i % 3 == 0 else "Buzz" if i % 5 == 0 else i)',
  palindrome: 's = [c.lower() for c in input() if c.isalpha()]\nprint("YES" if s == s[::-1] else "NO")',
  'circle-area': 'import math\nr = float(input())\nprint(math.pi * r * r)',
  'average-score': 'n = int(input())\nxs = list(map(float, input().split()))\nprint(sum(xs) / n)',
  'largest-number': 'input()\nprint(max(map(int, input().split())))',
  'reverse-words': 'print(" ".join(reversed(input().split())))',
  fibonacci: 'a, b = 0, 1\nfor _ in range(int(input())):\n    a, b = b, a + b\nprint(a)',
  'prime-check':
    'n = int(input())\nok = n > 1\ni = 2\nwhile i * i <= n and ok:\n    ok = n % i != 0\n    i += 1\nprint("PRIME" if ok else "NOT PRIME")',
  'count-vowels': 'print(sum(c in "aeiouAEIOU" for c in input()))',
  'grade-letter': 's = int(input())\nprint("A" if s >= 85 else "B" if s >= 70 else "C" if s >= 55 else "D" if s >= 40 else "E")',
};

describe('coding lab: demo tasks', function () {
  this.timeout(120_000);
  let tasks: CodingTask[];
  let worker: RunningWorker;
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    const deps = apiDeps();
    school = await createSchool();
    tasks = await deps.sequelize.transaction((transaction) =>
      seedCodingLab({ admin: school.admin, teachers: [school.teacher], classrooms: [school.classroom], students: [school.student] }, transaction),
    );
    worker = await startGradingWorker();
  });
  after(async () => worker?.close());

  it('seeds ten or more published tasks across the five languages, each with visible and hidden tests', async () => {
    expect(tasks.length).to.be.at.least(10);
    const languages = new Set(tasks.flatMap((t) => t.languages));
    expect([...languages].sort()).to.deep.equal(['c', 'cpp', 'java', 'javascript', 'python']);
    for (const task of tasks) {
      const tests = await CodingTestCase.findAll({ where: { taskId: task.id } });
      expect(
        tests.some((t) => t.sample),
        `${task.slug} has a sample`,
      ).to.equal(true);
      if (tests.length > 1)
        expect(
          tests.some((t) => t.visibility !== 'show'),
          `${task.slug} has a hidden test`,
        ).to.equal(true);
    }
    expect(tasks.some((t) => DEMO_TASKS.find((d) => d.slug === t.slug)?.comparison === 'float')).to.equal(true);
  });

  it('accepts a reference solution of every demo task on every test', async function () {
    if (!worker.sandbox.availableLanguages().includes('python')) {
      this.test!.title += ` (skipped: ${worker.sandbox.unavailableReason('python')})`;
      this.skip();
    }
    const verdicts: Record<string, string | null> = {};
    // at most three waiting per student, so each task gets its own submitter
    for (const task of tasks) {
      const s = await CodingSubmission.create({
        taskId: task.id,
        userId: school.student.id,
        classroomId: school.classroom.id,
        language: 'python',
        files: [{ name: 'main.py', content: SOLUTIONS[task.slug]! }],
        attempt: 1,
        jobId: null,
      });
      await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: s.id }, { jobId: s.id });
      const done = await settled(s.id);
      verdicts[task.slug] =
        done.verdict === 'accepted' ? 'accepted' : `${done.verdict}: ${JSON.stringify(done.results.find((r) => r.verdict !== 'accepted'))}`;
    }
    expect(
      Object.values(verdicts).every((v) => v === 'accepted'),
      JSON.stringify(verdicts, null, 1),
    ).to.equal(true);
  });
});
