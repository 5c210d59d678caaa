import type { Worker } from 'bullmq';
import { WebVersion } from '../../common/models';
import type { WebCheck, WebFile } from '../../common/web-lab/types';
import { webChecksProcessor, type WebChecksOptions } from '../../worker/web-checks/processor';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { testWorkerDeps } from '../support/deps';

export const BASE = '/api/v2/web-lab';

export const html = (body: string, head = '') =>
  `<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Halo</title>${head}</head><body>${body}</body></html>`;

export const text = (path: string, content: string): WebFile => ({ path, encoding: 'utf8', content });

/** One check of each kind, the seed's set: what a passing page satisfies and a failing one does not. */
export const CHECKS: WebCheck[] = [
  {
    id: 'has-heading',
    kind: 'selector',
    title: 'A main heading',
    points: 1,
    message: 'Add an <h1>',
    visibility: 'show',
    config: { selector: 'h1', count: 1 },
  },
  {
    id: 'img-alt',
    kind: 'attribute',
    title: 'Images have alt',
    points: 1,
    message: '',
    visibility: 'show',
    config: { selector: 'img', attribute: 'alt' },
  },
  {
    id: 'flex-nav',
    kind: 'css-property',
    title: 'Flex navigation',
    points: 1,
    message: '',
    visibility: 'show',
    config: { selector: 'nav', property: 'display', value: 'flex' },
  },
  { id: 'responsive', kind: 'media-query', title: 'A phone layout', points: 1, message: '', visibility: 'hide', config: { condition: 'max-width' } },
  { id: 'clean-html', kind: 'html-errors', title: 'Well-formed HTML', points: 1, message: '', visibility: 'show', config: {} },
  {
    id: 'greets',
    kind: 'script',
    title: 'The button greets',
    points: 2,
    message: 'Clicking #btn should write "Halo" in #out',
    visibility: 'show',
    config: { steps: [{ action: 'click', selector: '#btn' }], selector: '#out', text: 'Halo' },
  },
  { id: 'no-errors', kind: 'console-clean', title: 'No errors in the console', points: 1, message: '', visibility: 'show', config: {} },
  { id: 'phone', kind: 'layout', title: 'Fits a phone', points: 1, message: '', visibility: 'show', config: { width: 375, selector: 'h1' } },
  { id: 'a11y', kind: 'accessibility', title: 'Accessible', points: 1, message: '', visibility: 'show', config: { rules: ['image-alt', 'label'] } },
];

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** A page that passes every check in CHECKS. */
export const PASSING: WebFile[] = [
  text(
    'index.html',
    html(
      '<nav><a href="#">Home</a></nav><h1>Portofolio</h1><img src="img/logo.png" alt="Logo"><label for="n">Nama</label><input id="n"><button id="btn">Sapa</button><p id="out"></p><script src="js/app.js"></script>',
      '<link rel="stylesheet" href="css/style.css">',
    ),
  ),
  text('css/style.css', 'nav { display: flex; gap: 1rem }\n@media (max-width: 600px) { nav { flex-direction: column } }\n'),
  text('js/app.js', 'document.getElementById("btn").addEventListener("click", () => { document.getElementById("out").textContent = "Halo"; });\n'),
  { path: 'img/logo.png', encoding: 'base64', content: PNG_1PX },
];

/** A page that fails every check in CHECKS. */
export const FAILING: WebFile[] = [
  text(
    'index.html',
    '<html><body><div style="width:2000px">wide</div><img src="x.png"><input><button id="btn">Sapa</button><p id="out"></p><script>throw new Error("boom")</script></body></html>',
  ),
];

export interface RunningWebWorker {
  close(): Promise<void>;
}

/** A real web-checks worker in this process on the suite's queue (real Chromium unless told otherwise). */
export async function startWebWorker(options: WebChecksOptions & { env?: Record<string, string> } = {}): Promise<RunningWebWorker> {
  const deps = testWorkerDeps({ WEB_CHECKS_PAGE_TIMEOUT_MS: '6000', WEB_CHECKS_CHECK_TIMEOUT_MS: '6000', ...options.env });
  const definition = await webChecksProcessor(deps, options);
  const worker = startQueueWorker(deps, 'web-checks', definition, 1) as unknown as Worker;
  await worker.waitUntilReady();
  return {
    async close() {
      await closeWorkers([worker], 10_000);
      await definition.close?.();
    },
  };
}

/** Polls until the version's checks end (the test's own timeout bounds the wait). */
export async function checked(id: string): Promise<WebVersion> {
  for (;;) {
    const v = await WebVersion.findByPk(id);
    if (v && v.status !== 'checking') return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
