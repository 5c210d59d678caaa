import { expect } from 'chai';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import request from 'supertest';
import { isolatedApp, testWorkerDeps } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { CodingRun, CodingSubmission, type CodingTask } from '../../common/models';
import { liveReports, storeReport, type SandboxReport } from '../../common/grading/sandbox-reports';
import { runSandboxSelfCheck, type SelfCheckHandle } from '../../worker/grading/self-check-report';
import { createSandbox, sandboxIsolation } from '../../worker/sandbox';
import { fixFor } from '../../worker/sandbox/self-check';
import { makeTask, testCase } from './helpers';

const BASE = '/api/v2/coding-lab';
const ROOT = path.resolve(__dirname, '..', '..');
// a corner of the run's Redis prefix: the reports written here never reach the other suites' API
const PREFIX = `${TEST_ENV.REDIS_PREFIX}langs:`;
const ENV = { REDIS_PREFIX: PREFIX };
// a Docker engine that is not there: every language but JavaScript (always isolated-vm) fails its check
const NO_DOCKER = { ...ENV, SANDBOX: 'docker', DOCKER_HOST: 'unix:///nonexistent/gema-test/docker.sock' };

interface LanguageView {
  language: string;
  status: string;
  version: string | null;
  reason: string | null;
  fix: string | null;
  workers: { available: number; unavailable: number };
  isolation: string[];
  limits: { task: { timeMs: { max: number } }; playground: { timeMs: number } | null };
}

describe('coding lab: languages the workers can run', function () {
  this.timeout(60_000);
  let app: ReturnType<typeof isolatedApp>['app'];
  let deps: ReturnType<typeof isolatedApp>['deps'];
  let school: Awaited<ReturnType<typeof createSchool>>;
  let task: CodingTask;
  const handles: SelfCheckHandle[] = [];

  const languages = async (): Promise<LanguageView[]> =>
    (await request(app).get(`${BASE}/languages`).set(bearer(school.student)).expect(200)).body.data;
  const byName = async (language: string) => (await languages()).find((l) => l.language === language)!;
  const selfCheck = async (env: Record<string, string>, options = {}) => {
    const handle = await runSandboxSelfCheck(testWorkerDeps(env), options);
    handles.push(handle);
    return handle;
  };
  const forgetAll = async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await deps.redis.del(`${PREFIX}sandbox:reports`);
  };

  before(async () => {
    ({ app, deps } = isolatedApp(ENV));
    school = await createSchool();
    task = await makeTask({ languages: ['javascript', 'python'], tests: [testCase({ name: 'one', stdin: '', expected: '1' })] });
  });
  afterEach(forgetAll);

  describe('GET /coding-lab/languages', () => {
    it('answers 401 without a token', async () => {
      const res = await request(app).get(`${BASE}/languages`).expect(401);
      expect(res.body.error.code).to.equal('UNAUTHENTICATED');
    });

    it('refuses a query string with 400', async () => {
      const res = await request(app).get(`${BASE}/languages?language=python`).set(bearer(school.student)).expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    });

    it('lists the five languages as unknown while no worker has reported', async () => {
      const list = await languages();
      expect(list.map((l) => [l.language, l.status])).to.deep.equal([
        ['javascript', 'unknown'],
        ['python', 'unknown'],
        ['c', 'unknown'],
        ['cpp', 'unknown'],
        ['java', 'unknown'],
      ]);
    });

    it('answers in the list envelope, for a student as for staff', async () => {
      const res = await request(app).get(`${BASE}/languages`).set(bearer(school.teacher)).expect(200);
      expect(res.body.meta).to.deep.equal({ page: 1, pageSize: 5, total: 5 });
    });

    it('shows what a real self-check found on this machine: available with a version where the sandbox can run the language', async () => {
      await selfCheck(ENV);
      const sandbox = createSandbox({ backend: 'auto' });
      const here = sandbox.availableLanguages();
      await sandbox.close();
      const list = await languages();
      for (const l of list) {
        const can = (here as string[]).includes(l.language);
        expect(l.status, l.language).to.equal(can ? 'available' : 'unavailable');
        if (can) expect(l.version, l.language).to.be.a('string').and.not.equal('');
        else expect(l.fix, l.language).to.be.a('string');
      }
      expect(list.find((l) => l.language === 'javascript')!.version).to.match(/^V8 \d+/);
    });

    it("names the workers' isolation level, as the sandbox detected it on this machine", async () => {
      await selfCheck(ENV);
      const level = sandboxIsolation().level;
      for (const l of await languages()) expect(l.isolation, l.language).to.deep.equal([level]);
    });

    it('gives each language its limits: the task bounds and the playground limits the worker reported', async () => {
      await selfCheck(ENV);
      const python = await byName('python');
      expect(python.limits.task.timeMs.max).to.equal(20_000);
      expect(python.limits.playground).to.deep.equal({ timeMs: 2000, memoryMb: 128 });
    });

    it('shows a language every worker failed as unavailable, with the reason and the fix', async () => {
      await selfCheck(NO_DOCKER);
      const python = await byName('python');
      expect(python).to.include({ status: 'unavailable', version: null });
      expect(python.reason).to.include('/nonexistent/gema-test/docker.sock');
      expect(python.fix).to.include('DOCKER_HOST');
      expect((await byName('javascript')).status).to.equal('available');
    });

    it('shows a language some workers can run and some cannot as partial', async () => {
      await selfCheck(ENV);
      await selfCheck(NO_DOCKER);
      const python = await byName('python');
      expect(python.status).to.equal('partial');
      expect(python.workers).to.deep.equal({ available: 1, unavailable: 1 });
    });

    it('forgets a worker whose report was not refreshed within its time to live', async () => {
      await selfCheck(NO_DOCKER, { ttlS: 0 });
      expect((await byName('python')).status).to.equal('unknown');
    });

    it('forgets a worker that stopped', async () => {
      const handle = await selfCheck(NO_DOCKER);
      await handle.close();
      expect((await byName('python')).status).to.equal('unknown');
    });
  });

  describe('submissions and runs in a language no worker can run', () => {
    it('answers POST /submissions with 422 LANGUAGE_UNAVAILABLE, the reason and the fix, and queues nothing', async () => {
      await selfCheck(NO_DOCKER);
      const student = await createUser({ classroomId: school.classroom.id });
      const res = await request(app)
        .post(`${BASE}/submissions`)
        .set(bearer(student))
        .send({ taskId: task.id, language: 'python', source: 'print(1)' })
        .expect(422);
      expect(res.body.error.code).to.equal('LANGUAGE_UNAVAILABLE');
      expect(res.body.error.message).to.include('python');
      expect(res.body.error.details).to.include({ language: 'python' });
      expect(res.body.error.details.fix).to.include('DOCKER_HOST');
      expect(await CodingSubmission.count({ where: { userId: student.id } })).to.equal(0);
    });

    it('answers POST /run with 422 LANGUAGE_UNAVAILABLE and stores no run', async () => {
      await selfCheck(NO_DOCKER);
      const student = await createUser();
      const res = await request(app).post(`${BASE}/run`).set(bearer(student)).send({ language: 'c', source: 'int main(){}' }).expect(422);
      expect(res.body.error.code).to.equal('LANGUAGE_UNAVAILABLE');
      expect(await CodingRun.count({ where: { userId: student.id } })).to.equal(0);
    });

    it('still queues a language the same workers can run', async () => {
      await selfCheck(NO_DOCKER);
      await request(app)
        .post(`${BASE}/submissions`)
        .set(bearer(school.student))
        .send({ taskId: task.id, language: 'javascript', source: 'console.log(1)' })
        .expect(202);
    });

    it('queues the language when no worker has reported at all', async () => {
      const student = await createUser();
      await request(app)
        .post(`${BASE}/submissions`)
        .set(bearer(student))
        .send({ taskId: task.id, language: 'python', source: 'print(1)' })
        .expect(202);
    });

    it('queues the language when at least one worker can run it', async () => {
      await selfCheck(ENV);
      await selfCheck(NO_DOCKER);
      const python = await byName('python');
      if (python.workers.available === 0) return; // this machine cannot run Python at all: nothing to show
      const student = await createUser();
      await request(app)
        .post(`${BASE}/submissions`)
        .set(bearer(student))
        .send({ taskId: task.id, language: 'python', source: 'print(1)' })
        .expect(202);
    });

    it('checks the language only after the input is valid: a bad body is still 400', async () => {
      await selfCheck(NO_DOCKER);
      const res = await request(app)
        .post(`${BASE}/submissions`)
        .set(bearer(school.student))
        .send({ taskId: task.id, language: 'cobol', source: 'x' })
        .expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    });
  });

  describe('the worker process', () => {
    it('logs one self-check line per language at start, stores the same in its report, and removes it on SIGTERM', async () => {
      const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'worker/main.ts')], {
        env: { ...process.env, ...TEST_ENV, ...ENV, WORKER_QUEUES: 'grading', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // a group of its own: tsx runs the worker in a child, which a kill of tsx alone would orphan
        detached: true,
      });
      const checks: string[] = [];
      try {
        await new Promise<void>((resolve, reject) => {
          readline.createInterface({ input: child.stdout! }).on('line', (raw) => {
            const line = JSON.parse(raw) as { message: string };
            if (line.message.startsWith('sandbox self-check: ')) checks.push(line.message);
            if (line.message === 'worker started') resolve();
          });
          child.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
        });
        expect(checks.map((m) => m.split(':')[1]!.trim())).to.have.members(['javascript', 'python', 'c', 'cpp', 'java']);
        // tsx runs the worker in a child of its own: the report's pid is that child's
        const reports: SandboxReport[] = await liveReports(deps.redis, PREFIX);
        expect(reports).to.have.length(1);
        expect(reports[0]!.languages.map((c) => `sandbox self-check: ${c.language}: ${c.available ? 'available' : 'unavailable'}`)).to.have.members(
          checks.map((m) => m.replace(/^(sandbox self-check: \w+: \w+).*$/, '$1')),
        );
        expect(reports[0]!.isolation.level).to.equal(sandboxIsolation().level);
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM'); // tsx hands it on to the worker
        expect(await exited).to.equal(0);
        expect(await liveReports(deps.redis, PREFIX)).to.deep.equal([]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      }
    });
  });

  describe('the fix named for a reason', () => {
    it('names the bubblewrap package when bwrap is missing', () => {
      expect(fixFor('python', '/usr/bin/bwrap not found (install the bubblewrap package)')).to.equal('apt-get install bubblewrap');
    });

    it('names gcc when the sandbox helper cannot be built', () => {
      expect(fixFor('java', 'no C compiler to build the sandbox helper')).to.match(/^apt-get install gcc/);
    });

    it('names the JDK when Java’s toolchain is missing', () => {
      expect(fixFor('java', 'toolchain not installed: /usr/bin/javac, /usr/bin/java')).to.equal('apt-get install default-jdk-headless');
    });

    it('names user namespaces when bubblewrap cannot make a sandbox', () => {
      expect(fixFor('c', 'bubblewrap cannot create a sandbox here: bwrap: setting up uid map: Permission denied')).to.include('user namespaces');
    });
  });

  it('stores nothing for a worker that does not grade', async () => {
    const handle = await selfCheck({ ...ENV, WORKER_QUEUES: 'email' });
    expect(handle.report).to.equal(undefined);
    expect(await liveReports(deps.redis, PREFIX)).to.deep.equal([]);
  });

  it('keeps a report that is refreshed', async () => {
    const handle = await selfCheck(NO_DOCKER);
    await storeReport(deps.redis, PREFIX, handle.report!);
    expect((await liveReports(deps.redis, PREFIX)).map((r) => r.workerId)).to.deep.equal([handle.report!.workerId]);
  });
});
