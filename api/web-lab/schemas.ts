import Joi from 'joi';
import { paginationKeys } from '../http/pagination';
import { CHECK_KINDS } from '../../common/web-lab/types';

const id = Joi.string().uuid();
export const idParams = Joi.object({ id: id.required() });

/** paths are checked (and normalised) by the service, so the 400 can name the offending one */
const webFile = Joi.object({
  path: Joi.string().min(1).max(400).required(),
  encoding: Joi.string().valid('utf8', 'base64').default('utf8'),
  content: Joi.string().allow('').required(),
});
export const webFiles = Joi.array().items(webFile).max(500);

const criterion = Joi.object({
  key: Joi.string()
    .pattern(/^[a-z0-9-]{1,40}$/)
    .required(),
  title: Joi.string().trim().min(1).max(100).required(),
  maxPoints: Joi.number().min(0).max(1000).required(),
});

const step = Joi.object({
  action: Joi.string().valid('click', 'fill', 'press').required(),
  selector: Joi.string().max(300).required(),
  value: Joi.string().allow('').max(1000),
});

const checkConfig = Joi.object({
  page: Joi.string().max(200),
  selector: Joi.string().max(300),
  count: Joi.number().integer().min(0).max(10_000),
  minCount: Joi.number().integer().min(0).max(10_000),
  text: Joi.string().allow('').max(1000),
  attribute: Joi.string().max(100),
  property: Joi.string().max(100),
  value: Joi.string().max(300),
  condition: Joi.string().max(200),
  errorCodes: Joi.array().items(Joi.string().max(100)).max(50),
  steps: Joi.array().items(step).max(20),
  width: Joi.number().integer().min(200).max(3000),
  rules: Joi.array().items(Joi.string().max(100)).max(50),
});

const check = Joi.object({
  id: Joi.string()
    .pattern(/^[a-z0-9-]{1,40}$/)
    .required(),
  kind: Joi.string()
    .valid(...CHECK_KINDS)
    .required(),
  title: Joi.string().trim().min(1).max(200).required(),
  points: Joi.number().min(0).max(1000).default(1),
  message: Joi.string().allow('').max(1000).default(''),
  visibility: Joi.string().valid('show', 'hide').default('show'),
  config: checkConfig
    .default({})
    .when('kind', { is: Joi.valid('selector', 'attribute', 'css-property'), then: Joi.object({ selector: Joi.required() }) })
    .when('kind', { is: 'attribute', then: Joi.object({ attribute: Joi.required() }) })
    .when('kind', { is: 'css-property', then: Joi.object({ property: Joi.required() }) })
    .when('kind', { is: 'script', then: Joi.object({ selector: Joi.required(), text: Joi.required() }) }),
});

const assignmentFields = {
  title: Joi.string().trim().min(1).max(200),
  description: Joi.string().allow('').max(100_000),
  classroomId: id.allow(null),
  starterFiles: webFiles,
  dueAt: Joi.date().iso(),
  acceptLate: Joi.boolean(),
  latePenaltyPercent: Joi.number().min(0).max(100),
  maxLateDays: Joi.number().integer().min(0).max(365).allow(null),
  points: Joi.number().integer().min(1).max(1000),
  autoWeightPercent: Joi.number().integer().min(0).max(100),
  rubric: Joi.array().items(criterion).min(1).max(20).unique('key'),
  checks: Joi.array().items(check).max(50).unique('id'),
  published: Joi.boolean(),
};

export const createAssignmentBody = Joi.object({
  ...assignmentFields,
  title: assignmentFields.title.required(),
  dueAt: assignmentFields.dueAt.required(),
  points: assignmentFields.points.default(100),
  classroomId: assignmentFields.classroomId.required(),
});
export const updateAssignmentBody = Joi.object(assignmentFields).min(1);

export const assignmentListQuery = Joi.object({ ...paginationKeys, classroomId: id });
export const projectListQuery = Joi.object({
  ...paginationKeys,
  classroomId: id,
  status: Joi.string().valid('draft', 'submitted', 'returned', 'graded'),
});

export const draftBody = Joi.object({ files: webFiles.required() });
export const ifMatchHeaders = Joi.string().pattern(/^(W\/)?"\d+"$/);

export const submitBody = Joi.object({ assignmentId: id.required(), files: webFiles });
export const submissionListQuery = Joi.object({ ...paginationKeys, assignmentId: id, userId: id });

export const evaluationBody = Joi.object({
  scores: Joi.array()
    .items(Joi.object({ key: Joi.string().required(), score: Joi.number().min(0).required(), comment: Joi.string().allow('').max(5000).default('') }))
    .min(1)
    .unique('key')
    .required(),
  note: Joi.string().allow('').max(10_000).default(''),
  status: Joi.string().valid('returned', 'graded').required(),
});

export const previewParams = Joi.object({
  versionId: id.required(),
  expires: Joi.string()
    .pattern(/^\d{1,12}$/)
    .required(),
  signature: Joi.string()
    .pattern(/^[A-Za-z0-9_-]{43}$/)
    .required(),
  // a folder link (`about/`) ends in an empty segment, served as the folder's index.html
  path: Joi.alternatives().try(Joi.string().max(400), Joi.array().items(Joi.string().allow('').max(200)).max(20)),
});
