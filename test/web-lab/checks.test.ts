import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import type { CheckResult, WebFile } from '../../common/web-lab/types';
import { WebProject } from '../../common/models';
import { BASE, CHECKS, FAILING, PASSING, checked, html, startWebWorker, text, type RunningWebWorker } from './helpers';
import { BrowserPool } from '../../worker/web-checks/browser';

const statusOf = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.checkId, r.status]));

describe('web lab: checks in a real browser', function () {
  this.timeout(120_000);
  let school: Awaited<ReturnType<typeof createSchool>>;
  let assignmentId: string;
  let worker: RunningWebWorker;

  before(async () => {
    app();
    school = await createSchool();
    const res = await request(app())
      .post(`${BASE}/assignments`)
      .set(bearer(school.teacher))
      .send({
        title: 'Checks',
        classroomId: school.classroom.id,
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        checks: CHECKS,
        published: true,
      })
      .expect(201);
    assignmentId = res.body.data.id;
    worker = await startWebWorker();
  });
  after(async () => worker.close());

  async function submit(files: WebFile[]) {
    const res = await request(app()).post(`${BASE}/submissions`).set(bearer(school.student)).send({ assignmentId, files }).expect(202);
    return checked(res.body.data.id);
  }

  it('passes a page that does everything asked, and stores a screenshot and a thumbnail', async () => {
    const v = await submit(PASSING);
    expect(v.status).to.equal('completed');
    expect(statusOf(v.results)).to.deep.equal(Object.fromEntries(CHECKS.map((c) => [c.id, 'passed'])));
    expect(v.score).to.equal(v.maxScore);
    const shot = await request(app()).get(`${BASE}/submissions/${v.id}/screenshot`).set(bearer(school.teacher)).expect(200);
    expect(shot.headers['content-type']).to.equal('image/png');
    const thumb = await request(app()).get(`${BASE}/submissions/${v.id}/screenshot?size=thumbnail`).set(bearer(school.student)).expect(200);
    expect(thumb.headers['content-type']).to.equal('image/webp');
  });

  it('fails each check on a page that does nothing asked, with a reason', async () => {
    const v = await submit(FAILING);
    expect(statusOf(v.results)).to.deep.equal(Object.fromEntries(CHECKS.map((c) => [c.id, 'failed'])));
    expect(v.results.every((r) => r.reason)).to.equal(true);
    expect(v.score).to.equal(0);
  });

  it('reports the accessibility violations per rule', async () => {
    const v = await submit(FAILING);
    const a11y = v.results.find((r) => r.checkId === 'a11y')!;
    expect(a11y.details, a11y.reason ?? '').to.deep.include({ 'image-alt': 1, label: 1 });
  });

  it("shows a hidden check's result to the student without its reason", async () => {
    const v = await submit(FAILING);
    const res = await request(app()).get(`${BASE}/submissions/${v.id}`).set(bearer(school.student)).expect(200);
    const hidden = res.body.data.results.find((r: { checkId: string }) => r.checkId === 'responsive');
    expect(hidden).to.not.have.property('reason');
    expect(hidden.status).to.equal('failed');
  });

  it('fails the browser checks of a page that loops forever, and checks the next version normally', async () => {
    const loop = await submit([text('index.html', html('<h1>x</h1><script>while (true) {}</script>'))]);
    expect(loop.results.find((r) => r.checkId === 'no-errors')!.status).to.equal('failed');
    expect(loop.results.find((r) => r.checkId === 'no-errors')!.reason).to.match(/did not load|took longer/);
    const next = await submit(PASSING);
    expect(next.score).to.equal(next.maxScore);
  });

  it('blocks a fetch to an outside address and an API call with a stolen-looking token: nothing arrives', async () => {
    // a real API server on this machine, counting what reaches it
    const hits: string[] = [];
    const api = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const port = (api.address() as AddressInfo).port;
    try {
      const page = html(
        `<h1>x</h1><p id="out"></p><button id="btn">go</button><img src="http://127.0.0.1:${port}/pixel.png" alt="p"><script>
          document.getElementById('btn').onclick = async () => {
            const tries = ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:6379/', 'https://example.com/'];
            let reached = 0;
            for (const u of tries) { try { await fetch(u, { mode: 'no-cors' }); reached++; } catch {} }
            try {
              await fetch('http://127.0.0.1:${port}/api/v2/auth/me', { headers: { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.stolen.token' } });
              reached++;
            } catch {}
            document.getElementById('out').textContent = reached === 0 ? 'Halo' : 'reached ' + reached;
          };
        </script>`,
      );
      const v = await submit([text('index.html', page)]);
      const greets = v.results.find((r) => r.checkId === 'greets')!;
      expect(greets.status, greets.reason ?? '').to.equal('passed');
      expect(hits).to.deep.equal([]);
    } finally {
      api.close();
    }
  });

  it('fails the checks of a page that navigates the top window away', async () => {
    const v = await submit([text('index.html', html('<h1>x</h1><script>top.location = "https://evil.example/"</script>'))]);
    const clean = v.results.find((r) => r.checkId === 'no-errors')!;
    expect(clean.status).to.equal('failed');
    expect(clean.reason).to.match(/navigated the top window|did not load/);
  });

  it('fails the checks of a page that opens a thousand windows', async () => {
    const v = await submit([text('index.html', html('<h1>x</h1><script>for (let i = 0; i < 1000; i++) window.open("about:blank")</script>'))]);
    expect(v.results.find((r) => r.checkId === 'no-errors')!.reason).to.match(/tried to open 1000 windows/);
  });

  it("re-checks every project's latest version as one job with progress", async () => {
    const res = await request(app()).post(`${BASE}/assignments/${assignmentId}/recheck`).set(bearer(school.teacher)).expect(202);
    let recheck = res.body.data;
    while (recheck.status !== 'completed' && recheck.status !== 'failed') {
      await new Promise((r) => setTimeout(r, 200));
      recheck = (await request(app()).get(`${BASE}/rechecks/${recheck.id}`).set(bearer(school.teacher)).expect(200)).body.data;
    }
    const projects = await WebProject.count({ where: { assignmentId } });
    expect(recheck).to.include({ status: 'completed', total: projects, done: projects });
    await request(app()).get(`${BASE}/rechecks/${recheck.id}`).set(bearer(school.otherTeacher)).expect(404);
  });

  it('fails the checks of a page that allocates without end', async () => {
    const v = await submit([text('index.html', html('<h1>x</h1><script>const a = []; for (;;) a.push(new Array(1e6).fill(1))</script>'))]);
    expect(v.results.find((r) => r.checkId === 'no-errors')!.status).to.equal('failed');
    const next = await submit(PASSING);
    expect(next.score).to.equal(next.maxScore);
  });
});

describe('web lab: where no browser exists', function () {
  this.timeout(60_000);
  let worker: RunningWebWorker;
  before(async () => {
    worker = await startWebWorker({ browserAvailable: false });
  });
  after(async () => worker.close());

  it('reports browser checks as skipped: browser unavailable, never passed, and still runs the static ones', async () => {
    app();
    const school = await createSchool();
    const a = await request(app())
      .post(`${BASE}/assignments`)
      .set(bearer(school.teacher))
      .send({
        title: 'No browser',
        classroomId: school.classroom.id,
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        checks: CHECKS,
        published: true,
      })
      .expect(201);
    const res = await request(app())
      .post(`${BASE}/submissions`)
      .set(bearer(school.student))
      .send({ assignmentId: a.body.data.id, files: PASSING })
      .expect(202);
    const v = await checked(res.body.data.id);
    const browserOnes = v.results.filter((r) => ['script', 'console-clean', 'layout', 'accessibility'].includes(r.kind));
    expect(browserOnes.map((r) => `${r.status}:${r.reason}`)).to.deep.equal(browserOnes.map(() => 'skipped:browser unavailable'));
    expect(v.results.find((r) => r.checkId === 'has-heading')!.status).to.equal('passed');
  });
});

describe('web lab: a browser that has used its page budget', function () {
  this.timeout(120_000);
  let worker: RunningWebWorker;
  before(async () => {
    worker = await startWebWorker({ env: { WEB_CHECKS_PAGES_PER_BROWSER: '1' } });
  });
  after(async () => worker.close());

  it('is replaced between versions, never under a page still being checked', async () => {
    app();
    const school = await createSchool();
    const a = await request(app())
      .post(`${BASE}/assignments`)
      .set(bearer(school.teacher))
      .send({
        title: 'Budget',
        classroomId: school.classroom.id,
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        checks: CHECKS,
        published: true,
      })
      .expect(201);
    for (let i = 0; i < 2; i++) {
      const res = await request(app())
        .post(`${BASE}/submissions`)
        .set(bearer(school.student))
        .send({ assignmentId: a.body.data.id, files: PASSING })
        .expect(202);
      const v = await checked(res.body.data.id);
      expect(v.results.filter((r) => r.status !== 'passed').map((r) => `${r.checkId}: ${r.reason}`)).to.deep.equal([]);
    }
  });
});

describe('web lab: the checking browser under concurrent jobs', function () {
  this.timeout(60_000);
  const settings = { chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', browserUser: 'nobody', pagesPerBrowser: 1 };
  const quiet = { info: () => undefined, warn: () => undefined };

  it('never replaces a browser whose page budget is used while another job still holds a page on it', async function () {
    if (!fs.existsSync(settings.chromiumPath)) this.skip();
    const pool = new BrowserPool(settings, quiet);
    try {
      const first = await pool.acquire();
      // the budget (one page) is used, but the first job's page is still open
      const second = await pool.acquire();
      expect(second).to.equal(first);
      expect(first.isConnected()).to.equal(true);
      pool.pageClosed();
      pool.pageClosed();
      // once no page is open, the used budget replaces it
      const third = await pool.acquire();
      expect(third).to.not.equal(first);
      expect(first.isConnected()).to.equal(false);
      pool.pageClosed();
    } finally {
      await pool.close();
    }
  });

  it('retires a suspect browser only once the other jobs have closed their pages', async function () {
    if (!fs.existsSync(settings.chromiumPath)) this.skip();
    const pool = new BrowserPool({ ...settings, pagesPerBrowser: 100 }, quiet);
    try {
      const browser = await pool.acquire();
      await pool.acquire();
      pool.pageClosed();
      await pool.retire('page hung');
      expect(browser.isConnected(), 'another page is still open on it').to.equal(true);
      pool.pageClosed();
      const next = await pool.acquire();
      expect(next).to.not.equal(browser);
      pool.pageClosed();
    } finally {
      await pool.close();
    }
  });
});
