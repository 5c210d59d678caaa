/**
 * GET /admin/analytics for a school of 1,000 students (10 classrooms of 100) and about 50,000
 * submissions plus 10,000 coding-lab submissions: the time of a cold answer (computed: the bench
 * bumps the classroom's version before each request) and of a cached one (from Redis, under load),
 * against node:http doing the same work as the ceiling, with the API's RSS. The API and the ceiling
 * run in child processes; requests come from this one. Writes bench/results/admin-analytics.json.
 *
 *   npx tsx bench/admin-analytics.ts        (BENCH_SECONDS=5, BENCH_COLD_SAMPLES=15 by default)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { QueryTypes } from 'sequelize';
import { loadConfig } from '../common/config';
import { createSequelize, dropDatabase, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { AccessTokens } from '../api/auth/tokens';
import { clearRedisPrefix, percentile, round1, runAutocannon, stopChild, waitForLine, writeResults } from './_lib';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 15);
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** 10 classrooms × 100 students, 55 assignments each (5 not yet due), ~91 % handed in, ~10 % resubmitted. */
const SEED_SQL = `
INSERT INTO classrooms (name, academic_year) SELECT 'Bench ' || i, '2026/2027' FROM generate_series(1, 10) i;
INSERT INTO users (email, password_hash, name, role, email_verified_at, classroom_id, last_login_at)
  SELECT 'student' || i || '@bench.test', 'x', 'Student ' || lpad(i::text, 4, '0'), 'student', now(),
         (SELECT id FROM classrooms ORDER BY name OFFSET (i % 10) LIMIT 1),
         CASE WHEN random() < 0.6 THEN now() - random() * interval '14 days' END
  FROM generate_series(1, 1000) i;
INSERT INTO users (email, password_hash, name, role, email_verified_at) VALUES ('admin@bench.test', 'x', 'Admin', 'admin', now());
INSERT INTO assignments (title, classroom_id, kind, due_at, max_points, status)
  SELECT 'Tugas ' || a, c.id, 'text', now() - (50 - a) * interval '2 days', 100, 'published'
  FROM classrooms c CROSS JOIN generate_series(1, 55) a;
INSERT INTO submissions (assignment_id, student_id, attempt, content, status, submitted_at, days_late, grade)
  SELECT a.id, u.id, 1, 'x', CASE WHEN a.due_at < now() THEN 'graded' ELSE 'submitted' END,
         a.due_at - interval '1 hour', CASE WHEN random() < 0.15 THEN 1 + floor(random() * 3)::int ELSE 0 END,
         CASE WHEN a.due_at < now() THEN round((40 + random() * 60)::numeric, 1) END
  FROM assignments a JOIN users u ON u.classroom_id = a.classroom_id AND u.role = 'student'
  WHERE random() < 0.91;
INSERT INTO submissions (assignment_id, student_id, attempt, content, status, submitted_at, days_late, grade)
  SELECT assignment_id, student_id, 2, 'y', status, submitted_at + interval '1 hour', days_late, grade
  FROM submissions WHERE random() < 0.1 AND grade IS NOT NULL;
INSERT INTO coding_tasks (slug, title, languages, published) SELECT 'bench-' || t, 'Task ' || t, ARRAY['python'], true FROM generate_series(1, 5) t;
INSERT INTO coding_submissions (task_id, user_id, classroom_id, language, files, status, verdict, score, max_score, results, attempt)
  SELECT t.id, u.id, u.classroom_id, 'python', '[]', 'completed', CASE WHEN r.ok THEN 'accepted' ELSE 'wrong_answer' END,
         0, 5, (SELECT jsonb_agg(jsonb_build_object('index', k, 'name', 'test ' || k,
                 'verdict', CASE WHEN r.ok OR random() < 0.7 THEN 'accepted' ELSE 'wrong_answer' END)) FROM generate_series(1, 5) k),
         n
  FROM coding_tasks t CROSS JOIN users u CROSS JOIN generate_series(1, 2) n CROSS JOIN LATERAL (SELECT random() < 0.5 AS ok) r
  WHERE u.role = 'student';
ANALYZE;
`;

async function startServer(mode: 'app' | 'bare', env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '_admin-analytics-server.ts'), mode], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await waitForLine(child, (l) => (l.startsWith('READY ') ? Number(l.slice(6)) : undefined), `${mode} server`);
  return { child, base: `http://127.0.0.1:${port}` };
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return round1(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

async function timed(url: string, headers: Record<string, string>): Promise<{ ms: number; cache: string | null }> {
  const started = process.hrtime.bigint();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, cache: res.headers.get('x-cache') };
}

async function main() {
  const runId = crypto.randomBytes(3).toString('hex');
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    DATABASE_URL: `${PG}/gema_bench_analytics_${runId}`,
    DATABASE_POOL_MAX: '10',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_PREFIX: `gema_bench_analytics_${runId}:`,
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    UPLOAD_DIR: path.join(os.tmpdir(), `gema-bench-${runId}`),
  };
  const config = loadConfig({ ...process.env, ...env });
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  const children: ChildProcess[] = [];
  try {
    await createMigrator(sequelize).up();
    const seedStarted = Date.now();
    await sequelize.query(SEED_SQL);
    const seedSeconds = round1((Date.now() - seedStarted) / 1000);
    const count = async (sql: string) => Number(((await sequelize.query(sql, { type: QueryTypes.SELECT })) as { n: string }[])[0]!.n);
    const school = {
      students: await count(`SELECT count(*) n FROM users WHERE role = 'student'`),
      classrooms: await count('SELECT count(*) n FROM classrooms'),
      assignments: await count('SELECT count(*) n FROM assignments'),
      submissions: await count('SELECT count(*) n FROM submissions'),
      codingSubmissions: await count('SELECT count(*) n FROM coding_submissions'),
      seedSeconds,
    };
    process.stdout.write(`seeded ${JSON.stringify(school)}\n`);
    const [admin] = (await sequelize.query(`SELECT id FROM users WHERE role = 'admin'`, { type: QueryTypes.SELECT })) as { id: string }[];
    const [classroom] = (await sequelize.query(`SELECT id FROM classrooms ORDER BY name LIMIT 1`, { type: QueryTypes.SELECT })) as { id: string }[];
    const token = new AccessTokens(config).sign(
      { id: admin!.id, role: 'admin', email: 'admin@bench.test', name: 'Admin' },
      crypto.randomUUID(),
    ).token;
    const headers = { authorization: `Bearer ${token}` };
    const bump = () => sequelize.query('SELECT bump_analytics_versions(ARRAY[$1::uuid])', { bind: [classroom!.id] });

    const app = await startServer('app', env);
    children.push(app.child);
    const bare = await startServer('bare', env);
    children.push(bare.child);
    const appUrl = `${app.base}/api/v2/admin/analytics?classroomId=${classroom!.id}`;

    // warm both processes (JIT, pools, PostgreSQL's buffers) before measuring
    for (let i = 0; i < 3; i++) {
      await bump();
      await timed(appUrl, headers);
      await timed(`${bare.base}/cold?classroomId=${classroom!.id}`, {});
    }

    const coldApp: number[] = [];
    const coldBare: number[] = [];
    for (let i = 0; i < COLD_SAMPLES; i++) {
      await bump();
      const r = await timed(appUrl, headers);
      if (r.cache !== 'miss') throw new Error(`a cold request was a cache ${r.cache}`);
      coldApp.push(r.ms);
      coldBare.push((await timed(`${bare.base}/cold?classroomId=${classroom!.id}`, {})).ms);
    }
    // one miss fills the cache the cached runs read
    await bump();
    await timed(appUrl, headers);
    const cachedOne = await timed(appUrl, headers);
    if (cachedOne.cache !== 'hit') throw new Error('the second request was not a cache hit');

    const cachedApp = await runAutocannon({ url: appUrl, connections: 10, duration: SECONDS, headers });
    const cachedBare = await runAutocannon({ url: `${bare.base}/cached?classroomId=${classroom!.id}`, connections: 10, duration: SECONDS });
    const summarise = (r: Awaited<ReturnType<typeof runAutocannon>>) => ({
      requestsPerSecond: Math.round(r.result.requests.average),
      latencyMs: { p50: percentile(r.latencies, 50), p95: percentile(r.latencies, 95), p99: percentile(r.latencies, 99) },
      non2xx: r.result.non2xx,
      errors: r.result.errors,
    });
    const ms = (s: number[]) => ({ p50: percentile(s, 50), p95: percentile(s, 95), min: percentile(s, 0.1), max: percentile(s, 100) });
    const results = {
      when: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        loadAverageBefore: loadBefore,
        note: 'the API, the ceiling server, PostgreSQL, Redis and this load generator share the machine, and other work ran on it too',
      },
      school,
      classroomMeasured: { students: 100, assignments: 55, note: 'one classroom of the school; analytics are per classroom' },
      cold: {
        samples: COLD_SAMPLES,
        what: 'one request at a time, the classroom version bumped before each, so every answer is computed (X-Cache: miss)',
        appMs: ms(coldApp),
        ceilingMs: ms(coldBare),
      },
      cached: {
        what: `10 connections for ${SECONDS} s on an answer in Redis (X-Cache: hit)`,
        app: summarise(cachedApp),
        ceiling: summarise(cachedBare),
        singleRequestMs: round1(cachedOne.ms),
      },
      apiRssMb: rssMb(app.child.pid!),
      ceiling: 'node:http in its own process: /cold = version lookup + the same SQL statement; /cached = version lookup + Redis GET',
    };
    writeResults('admin-analytics', results);
    process.stdout.write(
      `cold: app p50 ${results.cold.appMs.p50} ms (ceiling ${results.cold.ceilingMs.p50} ms); cached: app ${results.cached.app.requestsPerSecond} req/s p50 ${results.cached.app.latencyMs.p50} ms (ceiling ${results.cached.ceiling.requestsPerSecond} req/s); RSS ${results.apiRssMb} MB\nwrote bench/results/admin-analytics.json\n`,
    );
  } finally {
    for (const c of children) await stopChild(c);
    await sequelize.close();
    await dropDatabase(config.db.url);
    await clearRedisPrefix(env.REDIS_URL!, env.REDIS_PREFIX!);
    fs.rmSync(env.UPLOAD_DIR!, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
