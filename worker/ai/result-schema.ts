import Joi from 'joi';
import type { AiEvaluationResult } from '../../common/models/ai-evaluation';

const text = (max: number) => Joi.string().trim().min(1).max(max);

/**
 * What a model's reply must look like. Lenient where a model's habits are harmless (unknown keys
 * are dropped, numbers may arrive as strings) and strict where a student would be misled (a score
 * above its maximum, an empty summary).
 */
export const aiResultSchema = Joi.object<AiEvaluationResult>({
  summary: text(4000).required(),
  strengths: Joi.array().items(text(1000)).max(20).default([]),
  issues: Joi.array().items(text(1000)).max(30).default([]),
  suggestions: Joi.array().items(text(1000)).max(30).default([]),
  rubric: Joi.array()
    .items(
      Joi.object({
        criterion: text(100).required(),
        max: Joi.number().positive().max(1000).required(),
        score: Joi.number().min(0).max(Joi.ref('max')).required(),
        comment: Joi.string().trim().allow('').max(1000).default(''),
      }),
    )
    .min(1)
    .max(12)
    .required(),
}).prefs({ stripUnknown: true, convert: true, abortEarly: false, errors: { wrap: { label: false } } });

/** The JSON shape described to the model in its instructions, kept next to the schema that checks it. */
export const RESULT_SHAPE_FOR_PROMPT = `{
  "summary": string (2–5 sentences),
  "strengths": string[],
  "issues": string[],
  "suggestions": string[],
  "rubric": [{ "criterion": string, "score": number, "max": number, "comment": string }]
}`;
