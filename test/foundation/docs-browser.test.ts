import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { app, isolatedApp } from '../support/deps';
import { executableFor } from '../../worker/web-checks/browser';
import { loadOpenApi } from '../../api/openapi/document';
import { getConfig } from '../../common/config';
/** a name that is not localhost, as a LAN address, a compose service or a staging box would be */
const HOST = 'gema-api.lan.test';

describe('the API documentation page in a real Chromium over plain HTTP', function () {
  this.timeout(60_000);
  const settings = { chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', browserUser: 'nobody', pagesPerBrowser: 1 };
  let server: http.Server;
  let browser: Browser | undefined;
  let port: number;

  before(async function () {
    if (!fs.existsSync(settings.chromiumPath)) this.skip();
    server = http.createServer(app());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: executableFor(settings),
      args: ['--headless', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', `--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
    });
  });

  after(async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  it(`renders every tag, and a tag's operations when opened, at http://${HOST}/api/v2/docs/`, async () => {
    const doc = loadOpenApi(getConfig().rootDir);
    const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops) as { tags?: string[] }[]);
    const tags = new Set(operations.flatMap((op) => op.tags ?? []));
    const webLab = operations.filter((op) => op.tags?.includes('web-lab')).length;
    const page = await browser!.newPage();
    try {
      await page.goto(`http://${HOST}:${port}/api/v2/docs/`);
      // with upgrade-insecure-requests the browser fetched the page's scripts over https and the page stayed blank
      await page.locator('.opblock-tag').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.info .title').innerText()).to.contain('GEMA API');
      expect(await page.locator('.opblock-tag').count()).to.equal(tags.size);
      await page.locator('.opblock-tag', { hasText: 'web-lab' }).first().click();
      await page
        .locator('.opblock')
        .nth(webLab - 1)
        .waitFor({ timeout: 30_000 });
      expect(await page.locator('.opblock').count()).to.equal(webLab);
    } finally {
      await page.close();
    }
  });

  it('leaves upgrade-insecure-requests out of the policy of a plain-HTTP request', async () => {
    const plain = await request(app()).get('/api/v2/docs/').expect(200);
    expect(plain.headers['content-security-policy']).to.not.contain('upgrade-insecure-requests');
    expect(plain.headers['content-security-policy']).to.contain("default-src 'self'");
  });

  it('sends upgrade-insecure-requests for a request that came over TLS (here through a trusted proxy)', async () => {
    const { app: proxied } = isolatedApp({ TRUST_PROXY: '1' });
    const res = await request(proxied).get('/api/v2/docs/').set('X-Forwarded-Proto', 'https').expect(200);
    expect(res.headers['content-security-policy']).to.contain('upgrade-insecure-requests');
  });
});
