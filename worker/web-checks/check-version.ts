import fs from 'node:fs';
import sharp from 'sharp';
import { WebAssignment, WebVersion } from '../../common/models';
import { rooms } from '../../common/realtime/events';
import type { RealtimePublisher } from '../../common/realtime/publisher';
import type { Storage } from '../../common/storage';
import { isBrowserCheck, type CheckResult, type WebCheck } from '../../common/web-lab/types';
import { runStaticCheck } from './static-checks';
import { closePage, hostility, openPage, runBrowserCheck, screenshot, type BrowserLimits, type PageSession } from './browser-checks';
import type { BrowserPool } from './browser';

export interface CheckerDeps {
  pool: BrowserPool;
  /** false when the start-up self-check found no usable browser: browser checks are skipped */
  browserAvailable: boolean;
  limits: BrowserLimits;
  storage: Storage;
  realtime: Pick<RealtimePublisher, 'publish'>;
}

const THUMBNAIL_WIDTH = 320;
let axeSource: string | undefined;
const axe = () => (axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));

/** Where a version's events go: the student's copy redacts hidden checks, staff rooms get them in full. */
function audiences(v: WebVersion) {
  const staff = [rooms.webVersionStaff(v.id), ...(v.classroomId ? [rooms.classroomTeachers(v.classroomId)] : [])];
  return { student: [rooms.user(v.userId), rooms.webVersion(v.id)], staff };
}

/**
 * Runs every check of an assignment on one version, in the assignment's order, publishing a
 * started event, one event per check and a completed event (the coding lab's pattern), then
 * stores the results, score and screenshot on the version.
 */
export async function checkVersion(deps: CheckerDeps, versionId: string): Promise<{ score: number; maxScore: number }> {
  const v = await WebVersion.findByPk(versionId);
  if (!v) return { score: 0, maxScore: 0 };
  const a = await WebAssignment.findByPk(v.assignmentId);
  const checks: WebCheck[] = a?.checks ?? [];
  const to = audiences(v);
  deps.realtime.publish([...to.student, ...to.staff], 'web-check:started', { versionId: v.id, total: checks.length });

  const sessions = new Map<string, PageSession>();
  const shared = async (page: string) => {
    let s = sessions.get(page);
    if (!s) {
      s = await openPage(deps.pool, v.files, page, 1280, deps.limits);
      sessions.set(page, s);
    }
    return s;
  };
  const results: CheckResult[] = [];
  let screenshotKey: string | null = null;
  let thumbnailKey: string | null = null;
  try {
    if (deps.browserAvailable && v.files.some((f) => f.path === 'index.html')) {
      const png = await screenshot(await shared('index.html'), deps.limits);
      if (png) {
        screenshotKey = `web-lab/${v.id}/screenshot.png`;
        thumbnailKey = `web-lab/${v.id}/thumbnail.webp`;
        await deps.storage.put(screenshotKey, png, 'image/png');
        await deps.storage.put(thumbnailKey, await sharp(png).resize({ width: THUMBNAIL_WIDTH }).webp({ quality: 75 }).toBuffer(), 'image/webp');
      }
    }
    for (const [index, check] of checks.entries()) {
      const page = check.config.page ?? 'index.html';
      let verdict: { passed: boolean; reason: string | null; details?: Record<string, unknown> } | 'skipped';
      if (!isBrowserCheck(check.kind)) verdict = await runStaticCheck(check, v.files);
      else if (!deps.browserAvailable) verdict = 'skipped';
      else if ((check.kind === 'script' || check.kind === 'layout') && sessions.get(page) && hostility(sessions.get(page)!)) {
        // the page already failed as loaded (hung, crashed, escaped): a fresh copy would only do it again
        verdict = { passed: false, reason: hostility(sessions.get(page)!) };
      } else if (check.kind === 'script' || check.kind === 'layout') {
        // these change the page or need their own width: a fresh page each
        const own = await openPage(deps.pool, v.files, page, check.kind === 'layout' ? (check.config.width ?? 1280) : 1280, deps.limits);
        try {
          verdict = await runBrowserCheck(check, own, deps.limits, axe());
        } finally {
          await closePage(deps.pool, own);
        }
      } else verdict = await runBrowserCheck(check, await shared(page), deps.limits, axe());

      const result: CheckResult = {
        checkId: check.id,
        kind: check.kind,
        title: check.title,
        visibility: check.visibility,
        status: verdict === 'skipped' ? 'skipped' : verdict.passed ? 'passed' : 'failed',
        points: check.points,
        earned: verdict !== 'skipped' && verdict.passed ? check.points : 0,
        reason: verdict === 'skipped' ? 'browser unavailable' : verdict.passed ? null : [check.message, verdict.reason].filter(Boolean).join(' — '),
        ...(verdict !== 'skipped' && verdict.details ? { details: verdict.details } : {}),
      };
      results.push(result);
      const event = {
        versionId: v.id,
        index,
        checkId: check.id,
        title: check.title,
        status: result.status,
        points: result.points,
        earned: result.earned,
      };
      deps.realtime.publish(to.staff, 'web-check:result', { ...event, reason: result.reason, hidden: check.visibility === 'hide' });
      deps.realtime.publish(
        to.student,
        'web-check:result',
        { ...event, reason: check.visibility === 'hide' ? null : result.reason, hidden: check.visibility === 'hide' },
        to.staff,
      );
    }
  } finally {
    for (const s of sessions.values()) await closePage(deps.pool, s);
  }
  const score = results.reduce((t, r) => t + r.earned, 0);
  const maxScore = results.reduce((t, r) => t + r.points, 0);
  await v.update({ status: 'completed', results, score, maxScore, screenshotKey, thumbnailKey, error: null, finishedAt: new Date() });
  deps.realtime.publish([...to.student, ...to.staff], 'web-check:completed', { versionId: v.id, status: 'completed', score, maxScore });
  return { score, maxScore };
}

/** The version's visible end when its job has used every attempt. */
export async function failVersion(realtime: Pick<RealtimePublisher, 'publish'>, versionId: string, reason: string): Promise<void> {
  const v = await WebVersion.findByPk(versionId);
  if (!v) return;
  await v.update({ status: 'failed', error: reason.slice(0, 500), finishedAt: new Date() });
  const to = audiences(v);
  realtime.publish([...to.student, ...to.staff], 'web-check:completed', { versionId: v.id, status: 'failed', score: 0, maxScore: 0 });
}
