import Joi from 'joi';
import { paginationKeys } from '../http/pagination';
import { CODING_LANGUAGES, COMPARISONS, DIFFICULTIES, SCORING_MODES, VISIBILITIES } from '../../common/models';
import { TASK_LIMITS } from '../../common/grading';

export const MAX_FILES = 10;
export const MAX_SOURCE_BYTES = 64 * 1024;
const MAX_TEST_TEXT = 256 * 1024;

const language = Joi.string().valid(...CODING_LANGUAGES);
const id = Joi.string().uuid();
/** a plain file name: no directories, no leading dot, so nothing can be written outside the work dir */
const fileName = Joi.string()
  .pattern(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/)
  .invalid('.', '..');
const files = Joi.array()
  .items(Joi.object({ name: fileName.required(), content: Joi.string().allow('').max(MAX_SOURCE_BYTES).required() }))
  .min(1)
  .max(MAX_FILES)
  .unique('name');
const source = Joi.string().allow('').max(MAX_SOURCE_BYTES);

export const idParams = Joi.object({ id: id.required() });
export const idOrSlugParams = Joi.object({ idOrSlug: Joi.string().max(80).required() });

export const taskListQuery = Joi.object({
  ...paginationKeys,
  difficulty: Joi.string().valid(...DIFFICULTIES),
  language,
  tag: Joi.string().max(40),
  q: Joi.string().trim().max(100),
  solved: Joi.boolean(),
});

const testCase = Joi.object({
  name: Joi.string().trim().min(1).max(100).required(),
  stdin: Joi.string().allow('').max(MAX_TEST_TEXT).default(''),
  expected: Joi.string().allow('').max(MAX_TEST_TEXT).required(),
  comparison: Joi.string()
    .valid(...COMPARISONS)
    .default('trim'),
  tolerance: Joi.number().min(0).max(1e6).allow(null).default(null),
  points: Joi.number().integer().min(0).max(1000).default(1),
  visibility: Joi.string()
    .valid(...VISIBILITIES)
    .default('show'),
  sample: Joi.boolean().default(false),
});
const tests = Joi.array().items(testCase).min(1).max(100);

const taskFields = {
  slug: Joi.string()
    .pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    .max(80),
  title: Joi.string().trim().min(1).max(200),
  description: Joi.string().allow('').max(100_000),
  difficulty: Joi.string().valid(...DIFFICULTIES),
  tags: Joi.array().items(Joi.string().trim().lowercase().min(1).max(40)).max(20).unique(),
  languages: Joi.array().items(language).min(1).unique(),
  starterCode: Joi.object(Object.fromEntries(CODING_LANGUAGES.map((l) => [l, source]))),
  timeLimitMs: Joi.number().integer().min(TASK_LIMITS.timeMs.min).max(TASK_LIMITS.timeMs.max),
  memoryLimitMb: Joi.number().integer().min(TASK_LIMITS.memoryMb.min).max(TASK_LIMITS.memoryMb.max),
  points: Joi.number().integer().min(0).max(10_000),
  classroomId: id.allow(null),
  published: Joi.boolean(),
  scoring: Joi.string().valid(...SCORING_MODES),
  stopOnFirstFailure: Joi.boolean(),
};

export const createTaskBody = Joi.object({
  ...taskFields,
  title: taskFields.title.required(),
  languages: taskFields.languages.required(),
  tests: tests.required(),
});

export const updateTaskBody = Joi.object(taskFields).min(1);
export const replaceTestsBody = Joi.object({ tests: tests.required() });

export const createSubmissionBody = Joi.object({
  taskId: id.required(),
  language: language.required(),
  files,
  source,
}).xor('files', 'source');

export const submissionListQuery = Joi.object({
  ...paginationKeys,
  taskId: id,
  userId: id,
  status: Joi.string().valid('queued', 'running', 'completed', 'failed'),
});

/** custom `stdin`, or `taskId` to "run samples": the task's sample tests, compared but not graded */
export const runBody = Joi.object({
  language: language.required(),
  files,
  source,
  stdin: Joi.string().allow('').max(MAX_TEST_TEXT),
  taskId: id,
})
  .xor('files', 'source')
  .oxor('stdin', 'taskId');
export const runQuery = Joi.object({ wait: Joi.boolean().default(true) });

export interface FileInput {
  name: string;
  content: string;
}
export interface TestInput {
  name: string;
  stdin: string;
  expected: string;
  comparison: (typeof COMPARISONS)[number];
  tolerance: number | null;
  points: number;
  visibility: (typeof VISIBILITIES)[number];
  sample: boolean;
}
