import '../common/require-node';
import os from 'node:os';
import bcrypt from 'bcrypt';
import { loadConfig } from '../common/config';
import { createSequelize, dropDatabase, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels } from '../common/models';
import { importLegacy } from '../common/legacy-import/run';
import type { ImportOptions, ImportReport } from '../common/legacy-import/types';
import { createLegacyDatabase, seedSchool } from './_legacy-school';
import { round1, writeResults } from './_lib';

/**
 * A school of 1,000 students and 50,000 submissions in a generated legacy database, imported into an
 * empty GEMA database (README.md#moving-from-the-old-gema): the first import, a second run with
 * nothing changed (the nightly case), and a verification. Peak RSS of this process (the importer)
 * and its CPU time beside the wall time, since the machine is shared.
 */
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 1000);
const SUBMISSIONS = Number(process.env.BENCH_SUBMISSIONS ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);

async function main() {
  const legacyUrl = `${PG}/gema_bench_legacy_${process.pid}`;
  const targetUrl = `${PG}/gema_bench_legacy_target_${process.pid}`;
  const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATABASE_URL: targetUrl, LOG_LEVEL: 'silent' });
  await dropDatabase(legacyUrl);
  await dropDatabase(targetUrl);
  const legacy = await createLegacyDatabase(legacyUrl);
  await ensureDatabase(targetUrl);
  const sequelize = createSequelize(config);
  initModels(sequelize);
  try {
    await seedSchool(legacy, { tag: 'b', students: STUDENTS, assignments: 50, submissions: SUBMISSIONS, passwordHash: bcrypt.hashSync('bench', 4) });
    await legacy.query('ANALYZE');
    await createMigrator(sequelize).up();

    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const timed = async (mode: ImportOptions['mode']) => {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const report = await importLegacy(
        legacyUrl,
        { mode, adminsAs: 'owners-are-teachers', rejudge: false, academicYear: '2025/2026', batchSize: BATCH },
        { sequelize },
      );
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const used = process.cpuUsage(cpu);
      return { report, wallSeconds: round1(wallMs / 1000), importerCpuSeconds: round1((used.user + used.system) / 1e6) };
    };
    const first = await timed('import');
    const rss = Math.round(peakRss / 1024 / 1024);
    const again = await timed('import');
    const verify = await timed('verify');
    clearInterval(sampler);
    const rows = (r: ImportReport) => r.entities.reduce((n, e) => n + e.read, 0);
    const result = {
      bench: 'legacy-import',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map(round1) },
      school: { students: STUDENTS, submissions: SUBMISSIONS, batchSize: BATCH, legacyRows: rows(first.report) },
      firstImport: {
        wallSeconds: first.wallSeconds,
        importerCpuSeconds: first.importerCpuSeconds,
        rowsPerSecond: Math.round(rows(first.report) / first.wallSeconds),
        peakRssMb: rss,
        consistent: first.report.consistent,
      },
      rerunNothingChanged: {
        wallSeconds: again.wallSeconds,
        importerCpuSeconds: again.importerCpuSeconds,
        written: again.report.entities.reduce((n, e) => n + e.imported + e.updated, 0),
      },
      verify: { wallSeconds: verify.wallSeconds, importerCpuSeconds: verify.importerCpuSeconds, consistent: verify.report.consistent },
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      note: 'taken on a shared, loaded 2-core machine; PostgreSQL runs on the same cores',
    };
    writeResults('legacy-import', result);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await legacy.end();
    await sequelize.close();
    await dropDatabase(legacyUrl);
    await dropDatabase(targetUrl);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
