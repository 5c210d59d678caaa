import type { BrowserContext, Page } from 'playwright-core';
import type { WebCheck, WebFile } from '../../common/web-lab/types';
import type { BrowserPool } from './browser';
import type { Verdict } from './static-checks';

/** The made-up origin a version is served from: every request elsewhere is refused. */
export const PAGE_ORIGIN = 'http://project.weblab.invalid';
const MIME: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};
/** more popups than this and the page's checks fail: a page that opens windows in a loop is hostile */
const MAX_WINDOWS = 3;
const DEFAULT_A11Y_RULES = ['image-alt', 'label', 'color-contrast'];

export interface BrowserLimits {
  pageTimeoutMs: number;
  checkTimeoutMs: number;
}

export interface PageSession {
  page: Page;
  context: BrowserContext;
  blocked: string[];
  errors: string[];
  windows: number;
  /** set when the page left its origin (navigated `top` elsewhere) */
  escaped: string | null;
  crashed: boolean;
  /** why the page is not fit for checks (load timeout, crash…), or null */
  broken: string | null;
}

class Deadline extends Error {}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

function serve(files: WebFile[], url: URL): { status: number; body: Buffer; contentType: string } {
  const wanted = decodeURIComponent(url.pathname.slice(1)) || 'index.html';
  const f = files.find((x) => x.path === (wanted.endsWith('/') ? `${wanted}index.html` : wanted));
  if (!f) return { status: 404, body: Buffer.from('not found'), contentType: 'text/plain' };
  const body = f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : Buffer.from(f.content, 'utf8');
  return { status: 200, body, contentType: MIME[f.path.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream' };
}

/**
 * Opens one page of a version in a fresh context: only the version's own files are served (route
 * interception fulfils them; anything else, the API, Redis, 169.254.169.254, is aborted and
 * recorded), WebSockets are closed, service workers blocked, dialogs dismissed, popups closed and
 * counted, and a navigation of the top window away from the origin is recorded.
 */
export async function openPage(pool: BrowserPool, files: WebFile[], page: string, width: number, limits: BrowserLimits): Promise<PageSession> {
  const browser = await pool.acquire();
  let context: BrowserContext;
  try {
    context = await browser.newContext({
      viewport: { width, height: 800 },
      serviceWorkers: 'block',
      acceptDownloads: false,
      javaScriptEnabled: true,
    });
  } catch (err) {
    pool.pageClosed();
    throw err;
  }
  const s: PageSession = {
    page: undefined as unknown as Page,
    context,
    blocked: [],
    errors: [],
    windows: 0,
    escaped: null,
    crashed: false,
    broken: null,
  };
  // a browser that dies during the set-up must not keep the page counted as open
  try {
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== PAGE_ORIGIN) {
        s.blocked.push(url.href.slice(0, 200));
        return route.abort('blockedbyclient');
      }
      const r = serve(files, url);
      return route.fulfill({ status: r.status, body: r.body, contentType: r.contentType });
    });
    await context.routeWebSocket(/.*/, (ws) => {
      s.blocked.push(ws.url().slice(0, 200));
      return ws.close();
    });
    await context.exposeBinding('__gemaWindowOpened', () => {
      s.windows++;
    });
    // window.open never reaches the browser: each call is counted and answered with null
    // (a string: this tree compiles without the DOM library, and the script runs in the page)
    await context.addInitScript({
      content: `(() => { const count = window.__gemaWindowOpened; Object.defineProperty(window, 'open', { value: () => (count(), null), writable: false, configurable: false }); })();`,
    });
    s.page = await context.newPage();
    context.on('page', (p) => {
      if (p !== s.page) {
        s.windows++;
        void p.close().catch(() => undefined);
      }
    });
    s.page.on('dialog', (d) => void d.dismiss().catch(() => undefined));
    s.page.on('pageerror', (e) => s.errors.push(`uncaught: ${e.message}`.slice(0, 300)));
    s.page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) s.errors.push(`console.error: ${m.text()}`.slice(0, 300));
    });
    s.page.on('crash', () => {
      s.crashed = true;
    });
    s.page.on('framenavigated', (frame) => {
      if (frame === s.page.mainFrame() && !frame.url().startsWith(PAGE_ORIGIN) && frame.url() !== 'about:blank')
        s.escaped ??= frame.url().slice(0, 200);
    });
  } catch (err) {
    pool.pageClosed();
    await context.close().catch(() => undefined);
    throw err;
  }
  try {
    await withDeadline(
      s.page.goto(`${PAGE_ORIGIN}/${page}`, { waitUntil: 'load', timeout: limits.pageTimeoutMs }),
      limits.pageTimeoutMs + 1000,
      'loading the page',
    );
  } catch (err) {
    s.broken = s.crashed ? 'the page crashed (out of memory?)' : `the page did not load within ${limits.pageTimeoutMs} ms (${firstLine(err)})`;
  }
  return s;
}

const firstLine = (err: unknown) => (err as Error).message.split('\n')[0].slice(0, 200);

/** Why every check of this page fails regardless of what it asks, or null. */
export function hostility(s: PageSession): string | null {
  if (s.crashed) return 'the page crashed (out of memory?)';
  if (s.escaped) return `the page navigated the top window away (${s.escaped})`;
  if (s.windows > MAX_WINDOWS) return `the page tried to open ${s.windows} windows`;
  return s.broken;
}

/** Closes a page; a page that will not close (a busy renderer) poisons its browser, which is recycled. */
export async function closePage(pool: BrowserPool, s: PageSession): Promise<void> {
  pool.pageClosed();
  try {
    await withDeadline(s.context.close(), 3000, 'closing the page');
  } catch {
    await pool.retire('a page would not close');
    return;
  }
  if (s.crashed || s.broken) await pool.retire(s.crashed ? 'renderer crashed' : 'page hung');
}

/** Runs one browser check on an open page, within the per-check limit. */
export async function runBrowserCheck(
  check: WebCheck,
  s: PageSession,
  limits: BrowserLimits,
  axeSource: string,
): Promise<Verdict & { details?: Record<string, unknown> }> {
  const bad = hostility(s);
  if (bad) return { passed: false, reason: bad };
  const c = check.config;
  try {
    return await withDeadline(
      (async () => {
        switch (check.kind) {
          case 'script': {
            for (const step of c.steps ?? []) {
              const target = s.page.locator(step.selector).first();
              if (step.action === 'click') await target.click({ timeout: limits.checkTimeoutMs });
              else if (step.action === 'fill') await target.fill(step.value ?? '', { timeout: limits.checkTimeoutMs });
              else await target.press(step.value ?? 'Enter', { timeout: limits.checkTimeoutMs });
            }
            const after = hostility(s);
            if (after) return { passed: false, reason: after };
            // "then #out reads Halo": the page may answer asynchronously, so the text is awaited until the check's limit
            const until = Date.now() + limits.checkTimeoutMs - 250;
            let text: string;
            for (;;) {
              text = ((await s.page.locator(c.selector!).first().textContent({ timeout: limits.checkTimeoutMs })) ?? '').trim();
              if (text === c.text!.trim() || Date.now() > until || hostility(s)) break;
              await new Promise((r) => setTimeout(r, 50));
            }
            const late = hostility(s);
            if (late) return { passed: false, reason: late };
            return text === c.text!.trim()
              ? { passed: true, reason: null }
              : { passed: false, reason: `${c.selector} reads "${text.slice(0, 100)}", expected "${c.text}"` };
          }
          case 'console-clean':
            return s.errors.length ? { passed: false, reason: s.errors.slice(0, 3).join('; ') } : { passed: true, reason: null };
          case 'layout': {
            const overflow = await s.page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
            if (overflow > 1) return { passed: false, reason: `the page overflows horizontally by ${overflow}px at ${c.width ?? 1280}px` };
            if (c.selector && !(await s.page.locator(c.selector).first().isVisible()))
              return { passed: false, reason: `${c.selector} is not visible at ${c.width ?? 1280}px` };
            return { passed: true, reason: null };
          }
          case 'accessibility': {
            const rules = c.rules?.length ? c.rules : DEFAULT_A11Y_RULES;
            await s.page.addScriptTag({ content: axeSource });
            const violations = await s.page.evaluate<{ id: string; nodes: number }[]>(
              `axe.run(document, { runOnly: { type: 'rule', values: ${JSON.stringify(rules)} } }).then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.length })))`,
            );
            const details = Object.fromEntries(rules.map((r) => [r, violations.find((v) => v.id === r)?.nodes ?? 0]));
            return violations.length
              ? { passed: false, reason: violations.map((v) => `${v.id}: ${v.nodes} element(s)`).join('; '), details }
              : { passed: true, reason: null, details };
          }
          default:
            return { passed: false, reason: `${check.kind} is not a browser check` };
        }
      })(),
      limits.checkTimeoutMs,
      `the check`,
    );
  } catch (err) {
    if (s.crashed) return { passed: false, reason: 'the page crashed (out of memory?)' };
    if (err instanceof Deadline) s.broken = err.message;
    return { passed: false, reason: firstLine(err) };
  }
}

/** A 1280×800 PNG of the page as loaded. */
export async function screenshot(s: PageSession, limits: BrowserLimits): Promise<Buffer | null> {
  if (hostility(s)) return null;
  try {
    return await withDeadline(s.page.screenshot({ type: 'png', timeout: limits.checkTimeoutMs }), limits.checkTimeoutMs + 1000, 'the screenshot');
  } catch {
    return null;
  }
}
