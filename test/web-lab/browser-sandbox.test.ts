import fs from 'node:fs';
import { expect } from 'chai';
import { BrowserPool } from '../../worker/web-checks/browser';
import { testConfig } from '../support/deps';

interface Proc {
  pid: number;
  ppid: number;
  args: string;
  status: string;
}

function processes(): Proc[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const status = fs.readFileSync(`/proc/${d}/status`, 'utf8');
        const args = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return [{ pid: Number(d), ppid: Number(/PPid:\s+(\d+)/.exec(status)![1]), args, status }];
      } catch {
        return [];
      }
    });
}

/** The processes started by this test process, at any depth. */
function descendants(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  let frontier = [root];
  while (frontier.length) {
    const next = all.filter((p) => frontier.includes(p.ppid));
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}

const field = (p: Proc, name: string) => new RegExp(`${name}:\\s+(\\S+)`).exec(p.status)![1];

describe('web lab: the checking browser runs unprivileged with its sandbox on', function () {
  this.timeout(60_000);
  let pool: BrowserPool;
  let renderers: Proc[];

  before(function () {
    if (process.getuid?.() !== 0) this.skip(); // as another user there is no privilege to drop; Chromium runs as that user
  });
  before(async () => {
    const settings = testConfig().webLab;
    pool = new BrowserPool(settings, { warn: () => undefined, info: () => undefined });
    const browser = await pool.acquire();
    const page = await (await browser.newContext()).newPage();
    await page.setContent('<p>x</p>');
    renderers = descendants(process.pid).filter((p) => p.args.includes('--type=renderer'));
  });
  after(async () => pool?.close());

  it('runs every process of the browser as the configured unprivileged user, not root', () => {
    const chromium = descendants(process.pid).filter((p) => p.args.includes('chromium'));
    expect(chromium).to.not.be.empty;
    expect(chromium.filter((p) => field(p, 'Uid') === '0').map((p) => p.args.slice(0, 80))).to.deep.equal([]);
  });

  it('never passes --no-sandbox', () => {
    expect(descendants(process.pid).filter((p) => p.args.includes('--no-sandbox'))).to.deep.equal([]);
  });

  it('puts renderers in a user namespace of their own under a seccomp filter', () => {
    expect(renderers).to.not.be.empty;
    const ownNs = fs.readlinkSync('/proc/self/ns/user');
    for (const r of renderers) {
      expect(fs.readlinkSync(`/proc/${r.pid}/ns/user`)).to.not.equal(ownNs);
      expect(field(r, 'Seccomp')).to.equal('2');
      expect(field(r, 'NoNewPrivs')).to.equal('1');
    }
  });
});
