import { QueryTypes } from 'sequelize';
import type { ApiDeps } from '../deps';
import { createStorage, storageFor } from '../../common/storage';
import type { StorageDriverName } from '../../common/models';
import { seedDemoSchool, DEMO_LOGINS } from '../../scripts/seed/index';
import { generateDemoActivity, type DemoActivitySummary } from '../../scripts/seed/demo-activity';

const KEEP_TABLES = new Set(['schema_migrations']);

/**
 * Development-only data resets (README.md#development-seed-routes). The routes exist only outside
 * production with SEED_ROUTES_ENABLED=true; nothing here checks again, so never call it elsewhere.
 */
export class SeedService {
  constructor(private readonly deps: Pick<ApiDeps, 'sequelize' | 'config' | 'logger'>) {}

  /** Empties every table but the migrations' (and the stored bytes of every file), then seeds the demo school. */
  async reset(): Promise<{ logins: typeof DEMO_LOGINS }> {
    const { sequelize, config } = this.deps;
    const files = await sequelize.query<{
      storage_driver: StorageDriverName;
      storage_key: string;
      metadata: { thumbnailKey?: string; variants?: Array<{ key: string }> };
    }>('SELECT storage_driver, storage_key, metadata FROM files', { type: QueryTypes.SELECT });
    const tables = await sequelize.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", {
      type: QueryTypes.SELECT,
    });
    const names = tables.map((t) => t.tablename).filter((t) => !KEEP_TABLES.has(t));
    if (names.length) await sequelize.query(`TRUNCATE ${names.map((n) => `"${n}"`).join(', ')} RESTART IDENTITY CASCADE`);
    const current = createStorage(config);
    for (const file of files) {
      const storage = storageFor(file.storage_driver, config, current);
      const keys = [file.storage_key, file.metadata?.thumbnailKey, ...(file.metadata?.variants ?? []).map((v) => v.key)];
      for (const key of keys) if (key) await storage?.delete(key).catch(() => undefined);
    }
    await seedDemoSchool(sequelize, { bcryptCost: config.auth.bcryptCost });
    this.deps.logger.warn('database reset to the demo school through POST /seed/reset');
    return { logins: DEMO_LOGINS };
  }

  demoActivity(): Promise<DemoActivitySummary> {
    return generateDemoActivity(this.deps.sequelize);
  }
}
