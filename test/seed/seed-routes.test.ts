import { expect } from 'chai';
import request from 'supertest';
import { apiDeps, isolatedApp, testConfig } from '../support/deps';
import { TEST_ENV } from '../support/env';
import { bearer, createUser } from '../support/factories';
import { createSequelize, dropDatabase, ensureDatabase } from '../../common/db/sequelize';
import { createMigrator } from '../../common/db/migrator';
import { initModels, User } from '../../common/models';
import { DEMO_JOIN_CODES } from '../../scripts/seed/accounts';

describe('development seed routes', () => {
  let admin: User;
  let student: User;
  before(async () => {
    admin = await createUser({ role: 'admin' });
    student = await createUser({ role: 'student' });
  });

  it('do not exist in production, even with SEED_ROUTES_ENABLED=true: 404 like any unknown path, not 403', async () => {
    const { app } = isolatedApp({ NODE_ENV: 'production', SEED_ROUTES_ENABLED: 'true' });
    for (const path of ['/api/v2/seed/reset', '/api/v2/seed/demo-activity']) {
      const res = await request(app).post(path).set(bearer(admin));
      expect(res.status, path).to.equal(404);
      expect(res.body.error.code).to.equal('ROUTE_NOT_FOUND');
    }
  });

  it('are forced off by the production configuration', () => {
    expect(testConfig({ NODE_ENV: 'production', SEED_ROUTES_ENABLED: 'true' }).site.seedRoutesEnabled).to.equal(false);
  });

  it('do not exist outside production unless SEED_ROUTES_ENABLED=true', async () => {
    const { app } = isolatedApp({ SEED_ROUTES_ENABLED: 'false' });
    expect((await request(app).post('/api/v2/seed/reset').set(bearer(admin))).status).to.equal(404);
  });

  describe('when enabled (on a database of their own)', () => {
    const url = `${TEST_ENV.DATABASE_URL}_seed`;
    let app: ReturnType<typeof isolatedApp>['app'];

    before(async function () {
      this.timeout(60_000);
      await ensureDatabase(url);
      const sequelize = createSequelize(testConfig({ DATABASE_URL: url }));
      await createMigrator(sequelize).up();
      await sequelize.close();
      app = isolatedApp({ DATABASE_URL: url, SEED_ROUTES_ENABLED: 'true' }).app;
    });
    after(async () => {
      // models are bound to the last Sequelize made; give them back to the suite's database
      initModels(apiDeps().sequelize);
      await dropDatabase(url);
    });

    it('are refused to students with 403', async () => {
      // the token is checked, not the user row, so a user of the suite's database works here
      expect((await request(app).post('/api/v2/seed/reset').set(bearer(student))).status).to.equal(403);
    });

    it('need a token', async () => {
      expect((await request(app).post('/api/v2/seed/reset')).status).to.equal(401);
    });

    it('reset wipes the data and seeds the demo school', async function () {
      this.timeout(30_000);
      const res = await request(app).post('/api/v2/seed/reset').set(bearer(admin));
      expect(res.status).to.equal(200);
      expect(res.body.data.logins.map((l: { email: string }) => l.email)).to.include('admin@gema.local');
      const again = await request(app).post('/api/v2/seed/reset').set(bearer(admin));
      expect(again.status).to.equal(200);
      const seeded = createSequelize(testConfig({ DATABASE_URL: url }));
      try {
        const [[row]] = (await seeded.query(
          "SELECT (SELECT count(*)::int FROM users WHERE email = 'admin@gema.local') AS admins, (SELECT count(*)::int FROM announcements) AS announcements",
        )) as [Array<{ admins: number; announcements: number }>, unknown];
        expect(row).to.deep.equal({ admins: 1, announcements: 3 });
      } finally {
        await seeded.close();
      }
    });

    it('gives the demo classrooms the join codes the seed prints (README.md#classroom-join-codes)', async () => {
      const seeded = createSequelize(testConfig({ DATABASE_URL: url }));
      try {
        const [rows] = await seeded.query('SELECT name AS classroom, join_code AS "joinCode" FROM classrooms ORDER BY name');
        expect(rows).to.deep.equal(DEMO_JOIN_CODES.map((c) => ({ ...c })));
      } finally {
        await seeded.close();
      }
    });

    it('demo-activity adds a week of graded coding submissions and sign-ins', async function () {
      this.timeout(30_000);
      const res = await request(app).post('/api/v2/seed/demo-activity').set(bearer(admin));
      expect(res.status).to.equal(201);
      const summary = res.body.data;
      expect(summary.students).to.be.greaterThan(0);
      expect(summary.codingSubmissions).to.be.greaterThan(summary.students);
      expect(summary.accepted).to.be.within(1, summary.codingSubmissions - 1);
      const seeded = createSequelize(testConfig({ DATABASE_URL: url }));
      try {
        const [[row]] = (await seeded.query(
          `SELECT count(*)::int AS n, min(finished_at) > now() - interval '7 days' AS within_week FROM coding_submissions`,
        )) as [Array<{ n: number; within_week: boolean }>, unknown];
        expect(row).to.deep.equal({ n: summary.codingSubmissions, within_week: true });
      } finally {
        await seeded.close();
      }
    });
  });

  it('leave the suite database alone', async () => {
    expect(await User.findByPk(admin.id)).not.to.equal(null);
  });
});
