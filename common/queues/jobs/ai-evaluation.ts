export interface AiEvaluationJob {
  evaluationId: string;
}
