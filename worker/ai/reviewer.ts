import type { Config } from '../../common/config';
import type { Logger } from '../../common/logger';
import type { AiEvaluationResult, AiProvider, CodeMetrics } from '../../common/models/ai-evaluation';
import { ChatClient } from './chat-client';
import { buildMessages } from './prompt';
import { aiResultSchema } from './result-schema';
import { staticReview } from './static-reviewer';
import type { EvaluationInput } from './types';

export interface Review {
  result: AiEvaluationResult;
  model: string | null;
}

export interface Reviewer {
  provider: AiProvider;
  review(input: EvaluationInput, metrics: CodeMetrics): Promise<Review>;
}

/**
 * The chat-completions provider when one is configured (`AI_PROVIDER=openai-compatible`, or `auto`
 * with an `AI_API_KEY`), otherwise the static reviewer, which needs nothing outside the process.
 */
export function createReviewer(config: Pick<Config, 'ai'>, logger?: Logger): Reviewer {
  const ai = config.ai;
  const useModel = ai.provider === 'openai-compatible' || (ai.provider === 'auto' && !!ai.apiKey);
  if (!useModel) {
    return {
      provider: 'static',
      review: async (input, metrics) => ({ result: staticReview(metrics, input.tests), model: null }),
    };
  }
  const client = new ChatClient({
    baseUrl: ai.baseUrl,
    apiKey: ai.apiKey,
    model: ai.model,
    timeoutMs: ai.timeoutMs,
    maxTokens: ai.maxTokens,
    temperature: ai.temperature,
    logger,
  });
  return {
    provider: 'openai-compatible',
    async review(input, metrics) {
      const reply = await client.completeJson(buildMessages(input, metrics), aiResultSchema);
      return { result: withMeasuredCorrectness(reply.value, input), model: reply.model };
    },
  };
}

/**
 * Correctness is not the model's to judge: the tests measured it. Whatever the model scored (a
 * student's code may even ask it for full marks), the entry is set from score / maxScore.
 */
export function withMeasuredCorrectness(result: AiEvaluationResult, input: EvaluationInput): AiEvaluationResult {
  const { score, maxScore, passed, total } = input.tests;
  const measured = (max: number) => (maxScore > 0 ? Math.round(((max * score) / maxScore) * 10) / 10 : 0);
  const rubric = result.rubric.filter((r) => r.criterion.toLowerCase() !== 'correctness');
  const given = result.rubric.find((r) => r.criterion.toLowerCase() === 'correctness');
  const max = given?.max ?? 10;
  rubric.unshift({
    criterion: 'correctness',
    score: measured(max),
    max,
    // the model's comment may contradict the measured score, so the measurement speaks
    comment: `Score ${score} of ${maxScore}; ${passed} of ${total} tests passed.`,
  });
  return { ...result, rubric };
}
