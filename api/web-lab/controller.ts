import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { ApiDeps } from '../deps';
import { input } from '../http/validate';
import { multipart } from '../http/multipart';
import { sendData, sendList } from '../http/respond';
import { BadRequestError, NotFoundError } from '../../common/errors';
import type { WebFile } from '../../common/web-lab/types';
import { WebAssignmentService, type AssignmentFields, type AssignmentListQuery } from './assignment-service';
import { WebProjectService, etagOf } from './project-service';
import { WebSubmissionService, type SubmissionListQuery, type SubmitInput } from './submission-service';
import { WebEvaluationService, type EvaluationInput } from './evaluation-service';
import { WebRecheckService } from './recheck-service';
import { WebClassService, type ProjectListQuery } from './class-service';
import { WebPreviewService } from './preview-service';
import { WebMediaService } from './media-service';
import { webAssignmentPublishedHook } from './published-hook';
import { findReviewableVersion } from './access';

const me = (req: Request) => req.user!;
const id = (req: Request) => input<{ id: string }>(req, 'params').id;

/** Multipart upload of a draft: one `archive` (a ZIP) or several `files` whose file names are their paths. */
export function draftUpload(config: ApiDeps['config']): RequestHandler {
  return multipart(
    multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: config.webLab.maxBytes, files: config.webLab.maxFiles, fields: 0 },
    }).fields([
      { name: 'archive', maxCount: 1 },
      { name: 'files', maxCount: config.webLab.maxFiles },
    ]),
    config.webLab.maxFiles,
  );
}

export function createWebLabController(deps: ApiDeps) {
  const limits = deps.config.webLab;
  const assignments = new WebAssignmentService(limits, webAssignmentPublishedHook(deps));
  const projects = new WebProjectService(deps.sequelize, limits);
  const submissions = new WebSubmissionService(deps, projects);
  const evaluations = new WebEvaluationService();
  const rechecks = new WebRecheckService(deps);
  const classes = new WebClassService(deps.sequelize);
  const previews = new WebPreviewService(deps.config);
  const media = new WebMediaService(deps.config);
  const frameAncestors = WebPreviewService.frameAncestors(deps.config);
  const previewHost = deps.config.webLab.previewOrigin ? new URL(deps.config.webLab.previewOrigin).host : undefined;

  const sendDraft = (res: Response, draft: { revision: number }) => {
    res.setHeader('ETag', etagOf(draft.revision));
    sendData(res, draft);
  };

  return {
    async listAssignments(req: Request, res: Response) {
      const query = input<AssignmentListQuery>(req, 'query');
      const { data, total } = await assignments.list(me(req), query);
      sendList(res, data, { page: query.page, pageSize: query.pageSize, total });
    },
    async getAssignment(req: Request, res: Response) {
      sendData(res, await assignments.get(me(req), id(req)));
    },
    async createAssignment(req: Request, res: Response) {
      sendData(
        res,
        await assignments.create(me(req), input<AssignmentFields & { title: string; dueAt: Date; classroomId: string | null }>(req, 'body')),
        201,
      );
    },
    async updateAssignment(req: Request, res: Response) {
      sendData(res, await assignments.update(me(req), id(req), input<AssignmentFields>(req, 'body')));
    },
    async deleteAssignment(req: Request, res: Response) {
      const outcome = await assignments.remove(me(req), id(req));
      if (outcome === 'deleted') return void res.status(204).end();
      sendData(res, { id: id(req), archived: true });
    },
    async listProjects(req: Request, res: Response) {
      const query = input<ProjectListQuery>(req, 'query');
      const { data, total } = await classes.list(me(req), id(req), query);
      sendList(res, data, { page: query.page, pageSize: query.pageSize, total });
    },
    async getDraft(req: Request, res: Response) {
      sendDraft(res, await projects.getDraft(me(req), id(req)));
    },
    async putDraft(req: Request, res: Response) {
      sendDraft(res, await projects.saveDraft(me(req), id(req), input<{ files: WebFile[] }>(req, 'body').files, req.get('If-Match')));
    },
    async uploadDraft(req: Request, res: Response) {
      const parts = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
      const archive = parts.archive?.[0];
      const loose = parts.files ?? [];
      if (archive && loose.length) throw new BadRequestError('ONE_KIND_OF_UPLOAD', 'Send either one "archive" or several "files", not both');
      if (archive) return sendDraft(res, await projects.uploadZip(me(req), id(req), archive.buffer, req.get('If-Match')));
      if (!loose.length) throw new BadRequestError('FILE_REQUIRED', 'Send a ZIP as "archive" or the files as "files"');
      const files: WebFile[] = loose.map((f) => ({ path: f.originalname, encoding: 'base64', content: f.buffer.toString('base64') }));
      sendDraft(res, await projects.saveDraft(me(req), id(req), files, req.get('If-Match')));
    },
    async recheckAssignment(req: Request, res: Response) {
      sendData(res, await rechecks.start(me(req), id(req)), 202);
    },
    async getRecheck(req: Request, res: Response) {
      sendData(res, await rechecks.get(me(req), id(req)));
    },
    async submit(req: Request, res: Response) {
      sendData(res, await submissions.submit(me(req), input<SubmitInput>(req, 'body')), 202);
    },
    async getSubmission(req: Request, res: Response) {
      sendData(res, await submissions.get(me(req), id(req)));
    },
    async listSubmissions(req: Request, res: Response) {
      const query = input<SubmissionListQuery>(req, 'query');
      const { data, total } = await submissions.list(me(req), query);
      sendList(res, data, { page: query.page, pageSize: query.pageSize, total });
    },
    async evaluate(req: Request, res: Response) {
      sendData(res, await evaluations.evaluate(me(req), id(req), input<EvaluationInput>(req, 'body')));
    },
    async recheckSubmission(req: Request, res: Response) {
      const v = await findReviewableVersion(me(req), id(req));
      sendData(res, await submissions.recheck(v.id), 202);
    },
    async issuePreview(req: Request, res: Response) {
      sendData(res, await previews.issue(me(req), id(req)), 201);
    },
    async screenshot(req: Request, res: Response) {
      const { size } = input<{ size: 'full' | 'thumbnail' }>(req, 'query');
      const shot = await media.screenshot(me(req), id(req), size);
      res.setHeader('Content-Type', shot.contentType);
      res.setHeader('Cache-Control', 'private, max-age=300');
      await pipeline(shot.stream, res);
    },
    /**
     * A version's file for an iframe. The global helmet headers are replaced here only: the page
     * runs as an opaque origin (sandbox without allow-same-origin: no cookies, no storage, no
     * access to the API's origin), cannot navigate the top window, and only the front end may frame it.
     */
    async preview(req: Request, res: Response) {
      const p = input<{ versionId: string; expires: string; signature: string; path?: string | string[] }>(req, 'params');
      // with a preview origin, previews are served there only: never a student's script on the API's origin
      if (previewHost && req.get('host') !== previewHost) throw new NotFoundError('Preview');
      const filePath = Array.isArray(p.path) ? p.path.join('/') : (p.path ?? '');
      const file = await previews.open(p.versionId, p.expires, p.signature, filePath);
      res.removeHeader('X-Frame-Options');
      res.setHeader('Content-Security-Policy', `sandbox allow-scripts; frame-ancestors ${frameAncestors}`);
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Content-Type', file.contentType);
      res.status(200).end(file.body);
    },
  };
}
