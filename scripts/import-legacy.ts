import '../common/require-node';
import { parseArgs } from 'node:util';
import { getConfigOrExit } from '../common/config';
import { createSequelize } from '../common/db/sequelize';
import { createStorage } from '../common/storage';
import { importLegacy } from '../common/legacy-import/run';
import { createRun, finishRun } from '../common/legacy-import/runs';
import { initModels } from '../common/models';
import { schoolYearOf } from '../common/legacy-import/people';
import { terminalProgress } from '../common/legacy-import/progress';
import { summarise } from '../common/legacy-import/summary';
import type { AdminsAs, ImportOptions } from '../common/legacy-import/types';

const USAGE = `usage: npm run import:legacy -- --from postgres://user@host/legacy_db [--dry-run | --verify] [--rejudge]
  [--admins-as owners-are-teachers|teachers|admins] [--academic-year 2025/2026] [--files-root DIR] [--batch-size 500] [--json]
  --from defaults to LEGACY_DATABASE_URL. Exit code 0: done and every checksum matches; 3: a checksum differs
  (or, with --verify, rows are waiting to be imported); 1: the run failed.`;

/** `npm run import:legacy` (README.md#moving-from-the-old-gema). */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
      rejudge: { type: 'boolean', default: false },
      'admins-as': { type: 'string', default: 'owners-are-teachers' },
      'academic-year': { type: 'string' },
      'files-root': { type: 'string' },
      'batch-size': { type: 'string', default: '500' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = getConfigOrExit();
  const from = values.from ?? config.legacy.databaseUrl;
  const adminsAs = values['admins-as'] as AdminsAs;
  const batchSize = Number(values['batch-size']);
  const academicYear = values['academic-year'] ?? schoolYearOf(new Date());
  const problems = [
    !from && '--from (or LEGACY_DATABASE_URL) is required',
    values['dry-run'] && values.verify && '--dry-run and --verify exclude each other',
    !['admins', 'teachers', 'owners-are-teachers'].includes(adminsAs) && '--admins-as must be admins, teachers or owners-are-teachers',
    !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000) && '--batch-size must be 1 to 10000',
    !/^\d{4}\/\d{4}$/.test(academicYear) && '--academic-year must look like 2025/2026',
  ].filter(Boolean);
  if (problems.length) {
    process.stderr.write(`${problems.join('\n')}\n${USAGE}\n`);
    return 64; // EX_USAGE
  }
  const options: ImportOptions = {
    mode: values.verify ? 'verify' : values['dry-run'] ? 'dry-run' : 'import',
    adminsAs,
    rejudge: values.rejudge,
    academicYear,
    filesRoot: values['files-root'],
    batchSize,
  };
  const sequelize = createSequelize(config);
  initModels(sequelize);
  try {
    const { id: runId } = await createRun(from!, options, null, 'running');
    try {
      const report = await importLegacy(
        from!,
        options,
        { sequelize, runId, storage: options.mode === 'import' ? createStorage(config) : undefined },
        terminalProgress(process.stderr),
      );
      await finishRun(runId, { report });
      process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : summarise(report)}\n`);
      const pending = report.entities.some((e) => e.pending > 0);
      return report.consistent && !(options.mode === 'verify' && pending) ? 0 : 3;
    } catch (err) {
      await finishRun(runId, { error: (err as Error).message });
      throw err;
    }
  } finally {
    await sequelize.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`legacy import failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
