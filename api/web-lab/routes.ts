import Joi from 'joi';
import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { noFields, validate } from '../http/validate';
import { createWebLabController, draftUpload } from './controller';
import {
  assignmentListQuery,
  createAssignmentBody,
  draftBody,
  evaluationBody,
  idParams,
  previewParams,
  projectListQuery,
  submissionListQuery,
  submitBody,
  updateAssignmentBody,
} from './schemas';

/** README.md#web-lab; docs/openapi/web-lab.yaml */
export function webLabRoutes(deps: ApiDeps): ApiRouter[] {
  const c = createWebLabController(deps);
  const { requireAuth, requireRole } = deps.auth;
  const staff = requireRole('teacher', 'admin');
  const student = requireRole('student');

  const r = new ApiRouter('/api/v2/web-lab');
  // previews carry their own signature and no Bearer header (they load in an iframe)
  r.get('/preview/:versionId/:expires/:signature/*path', validate({ params: previewParams }), c.preview);
  r.get('/preview/:versionId/:expires/:signature', validate({ params: previewParams }), c.preview);

  r.router.use(requireAuth);
  r.get('/assignments', validate({ query: assignmentListQuery }), c.listAssignments);
  r.post('/assignments', staff, validate({ body: createAssignmentBody }), c.createAssignment);
  r.get('/assignments/:id', validate({ params: idParams }), c.getAssignment);
  r.patch('/assignments/:id', staff, validate({ params: idParams, body: updateAssignmentBody }), c.updateAssignment);
  r.delete('/assignments/:id', staff, validate({ params: idParams, body: noFields }), c.deleteAssignment);
  r.get('/assignments/:id/projects', staff, validate({ params: idParams, query: projectListQuery }), c.listProjects);
  r.post('/assignments/:id/recheck', staff, validate({ params: idParams, body: noFields }), c.recheckAssignment);
  r.get('/rechecks/:id', staff, validate({ params: idParams }), c.getRecheck);

  r.get('/assignments/:id/draft', student, validate({ params: idParams }), c.getDraft);
  r.put('/assignments/:id/draft', student, validate({ params: idParams, body: draftBody }), c.putDraft);
  r.post('/assignments/:id/draft/upload', student, draftUpload(deps.config), validate({ params: idParams, body: noFields }), c.uploadDraft);

  r.post('/submissions', student, validate({ body: submitBody }), c.submit);
  r.get('/submissions', validate({ query: submissionListQuery }), c.listSubmissions);
  r.get('/submissions/:id', validate({ params: idParams }), c.getSubmission);
  r.patch('/submissions/:id/evaluation', staff, validate({ params: idParams, body: evaluationBody }), c.evaluate);
  r.post('/submissions/:id/recheck', staff, validate({ params: idParams, body: noFields }), c.recheckSubmission);
  r.post('/submissions/:id/preview', validate({ params: idParams, body: noFields }), c.issuePreview);
  r.get(
    '/submissions/:id/screenshot',
    validate({ params: idParams, query: Joi.object({ size: Joi.string().valid('full', 'thumbnail').default('full') }) }),
    c.screenshot,
  );
  return [r];
}
