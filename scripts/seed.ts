import '../common/require-node';
import { getConfigOrExit } from '../common/config';
import { createSequelize } from '../common/db/sequelize';
import { initModels } from '../common/models';
import { seedDemoSchool, DEMO_LOGINS, DEMO_PASSWORD, DEMO_JOIN_CODES } from './seed/index';

async function main() {
  const config = getConfigOrExit();
  const sequelize = createSequelize(config);
  initModels(sequelize);
  try {
    const seeded = await seedDemoSchool(sequelize, { bcryptCost: config.auth.bcryptCost });
    if (!seeded) {
      process.stdout.write('The database already has users; nothing seeded.\n');
      return;
    }
    process.stdout.write(`Seeded the demo school. Logins (password "${DEMO_PASSWORD}"):\n`);
    for (const l of DEMO_LOGINS) process.stdout.write(`  ${l.role.padEnd(8)} ${l.email}\n`);
    process.stdout.write('Classroom join codes (POST /api/v2/auth/register or /api/v2/classrooms/join):\n');
    for (const c of DEMO_JOIN_CODES) process.stdout.write(`  ${c.classroom.padEnd(8)} ${c.joinCode}\n`);
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`seed failed: ${(err as Error).message}\n`);
  process.exit(1);
});
