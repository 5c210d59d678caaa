import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';

/** What the pool logs through: the worker's logger, or anything with these two methods. */
export interface PoolLogger {
  warn(message: string, meta?: object): unknown;
  info(message: string, meta?: object): unknown;
}

export interface BrowserSettings {
  chromiumPath: string;
  /** the account Chromium runs as when this process is root */
  browserUser: string;
  pagesPerBrowser: number;
}

/** The flags this machine needs; the sandbox stays on (no --no-sandbox anywhere). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // a second wall if a request ever escaped route interception: nothing resolves, no proxy answers
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=socks5://127.0.0.1:9',
  '--js-flags=--max-old-space-size=256',
];

/**
 * Chromium refuses to run its sandbox as root, and the answer is never --no-sandbox: as root the
 * worker starts it through a wrapper that drops to an unprivileged account (setpriv) and hands
 * that account the profile directory Playwright made. Chromium then sandboxes its renderers with
 * user namespaces as any unprivileged user would.
 */
export function executableFor(settings: BrowserSettings): string {
  if (process.getuid?.() !== 0) return settings.chromiumPath;
  const wrapper = path.join(os.tmpdir(), `gema-chromium-as-${settings.browserUser}.sh`);
  const script = `#!/bin/sh
# written by the GEMA worker (worker/web-checks/browser.ts): run Chromium as ${settings.browserUser}, never as root
dir=""
for a in "$@"; do case "$a" in --user-data-dir=*) dir="\${a#--user-data-dir=}";; esac; done
if [ -n "$dir" ]; then chown -R ${settings.browserUser} "$dir" || exit 71; fi
exec setpriv --reuid=${settings.browserUser} --regid=$(id -g ${settings.browserUser}) --clear-groups --inh-caps=-all --no-new-privs env HOME="\${dir:-/tmp}" ${settings.chromiumPath} "$@"
`;
  if (!fs.existsSync(wrapper) || fs.readFileSync(wrapper, 'utf8') !== script) fs.writeFileSync(wrapper, script, { mode: 0o755 });
  return wrapper;
}

/**
 * One Chromium at a time, started on demand, replaced after `pagesPerBrowser` pages and after any
 * crash or hang (a page that ran out of time may have left its renderer busy).
 */
export class BrowserPool {
  private browser: Browser | undefined;
  private starting: Promise<Browser> | undefined;
  private pages = 0;
  /** pages open now: the page budget never closes a browser under an open page */
  private open = 0;
  recycled = 0;

  constructor(
    private readonly settings: BrowserSettings,
    private readonly logger: PoolLogger,
  ) {}

  /** why the current browser is to be replaced once no page is open on it */
  private retiring: string | undefined;

  /**
   * A browser for one page, counted as open from here on (release with `pageClosed`): counting at
   * once, with no await between the budget check and the count, is what keeps a concurrent job from
   * recycling the browser under a page that is still being set up.
   */
  async acquire(): Promise<Browser> {
    if (this.browser && this.open === 0 && (this.retiring || this.pages >= this.settings.pagesPerBrowser)) {
      await this.recycle(this.retiring ?? 'page budget used');
    }
    let browser: Browser;
    if (this.browser?.isConnected()) browser = this.browser;
    else {
      this.browser = undefined;
      this.starting ??= this.launch().finally(() => (this.starting = undefined));
      browser = await this.starting;
    }
    this.pages++;
    this.open++;
    return browser;
  }

  /** A page acquired with `acquire` was closed (or lost with its browser). */
  pageClosed(): void {
    this.open = Math.max(0, this.open - 1);
  }

  /**
   * The current browser is suspect (a crashed renderer, a page that hung or would not close): it is
   * replaced as soon as no other job's page is open on it, never under one.
   */
  async retire(reason: string): Promise<void> {
    if (!this.browser) return;
    if (this.open === 0) await this.recycle(reason);
    else this.retiring ??= reason;
  }

  private async launch(): Promise<Browser> {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: executableFor(this.settings),
      args: CHROMIUM_ARGS,
      // Playwright turns the popup blocker off by default; a hostile page should meet it
      ignoreDefaultArgs: ['--disable-popup-blocking'],
      chromiumSandbox: true,
      timeout: 30_000,
    });
    browser.on('disconnected', () => {
      if (this.browser === browser) this.browser = undefined;
    });
    this.browser = browser;
    this.pages = 0;
    this.open = 0;
    this.retiring = undefined;
    return browser;
  }

  async recycle(reason: string): Promise<void> {
    const old = this.browser;
    this.browser = undefined;
    this.retiring = undefined;
    if (!old) return;
    this.recycled++;
    this.logger.info('recycling the checking browser', { reason });
    await old.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.recycle('shutdown');
  }
}

/** The start-up self-check: can a browser be started here at all? */
export async function browserSelfCheck(settings: BrowserSettings, logger: PoolLogger): Promise<{ available: boolean; reason?: string }> {
  if (!fs.existsSync(settings.chromiumPath)) return { available: false, reason: `no browser at ${settings.chromiumPath}` };
  const pool = new BrowserPool(settings, logger);
  try {
    const browser = await pool.acquire();
    const version = browser.version();
    await pool.close();
    return { available: true, reason: `Chromium ${version}` };
  } catch (err) {
    await pool.close();
    return { available: false, reason: (err as Error).message.split('\n')[0] };
  }
}
