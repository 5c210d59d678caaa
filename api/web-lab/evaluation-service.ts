import { WebAssignment, WebEvaluation, WebProject } from '../../common/models';
import { BadRequestError } from '../../common/errors';
import { applyPenalty, round2 } from '../../common/learning/late-policy';
import type { RubricScore, WebEvaluationStatus } from '../../common/models';
import type { Actor } from '../access/classrooms';
import { findReviewableVersion } from './access';
import { presentEvaluation } from './present';

export interface EvaluationInput {
  scores: RubricScore[];
  note: string;
  status: WebEvaluationStatus;
}

/**
 * The grade: the rubric total scaled to the assignment's points, blended with the automatic score
 * when the assignment gives it a weight, then the late penalty of the learning core.
 */
export function gradeOf(
  rubricTotal: number,
  rubricMax: number,
  auto: { score: number; maxScore: number },
  a: Pick<WebAssignment, 'points' | 'autoWeightPercent'>,
  penaltyPercent: number,
): number {
  const rubricShare = rubricMax > 0 ? rubricTotal / rubricMax : 0;
  const autoShare = auto.maxScore > 0 ? auto.score / auto.maxScore : 0;
  const w = a.autoWeightPercent / 100;
  const raw = round2(a.points * ((1 - w) * rubricShare + w * autoShare));
  return applyPenalty(raw, a.points, penaltyPercent);
}

export class WebEvaluationService {
  /** Adds an evaluation (the old ones stay: they are the history) and moves the project to its status. */
  async evaluate(user: Actor, versionId: string, input: EvaluationInput) {
    const version = await findReviewableVersion(user, versionId);
    const assignment = (await WebAssignment.findByPk(version.assignmentId))!;
    const byKey = new Map(assignment.rubric.map((c) => [c.key, c]));
    for (const s of input.scores) {
      const c = byKey.get(s.key);
      if (!c) throw new BadRequestError('UNKNOWN_CRITERION', `"${s.key}" is not a criterion of this rubric`, { key: s.key });
      if (s.score > c.maxPoints) throw new BadRequestError('SCORE_ABOVE_MAX', `"${s.key}" is worth at most ${c.maxPoints}`, { key: s.key });
    }
    const missing = assignment.rubric.filter((c) => !input.scores.some((s) => s.key === c.key));
    if (missing.length) throw new BadRequestError('MISSING_CRITERIA', `Score every criterion: ${missing.map((c) => c.key).join(', ')} missing`);
    const rubricTotal = round2(input.scores.reduce((t, s) => t + s.score, 0));
    const rubricMax = assignment.rubric.reduce((t, c) => t + c.maxPoints, 0);
    const grade = gradeOf(rubricTotal, rubricMax, version, assignment, version.penaltyPercent);
    const evaluation = await WebEvaluation.create({
      versionId: version.id,
      projectId: version.projectId,
      scores: input.scores.map((s) => ({ key: s.key, score: s.score, comment: s.comment ?? '' })),
      note: input.note,
      status: input.status,
      rubricTotal,
      grade,
      evaluatedBy: user.id,
    });
    await WebProject.update({ status: input.status }, { where: { id: version.projectId } });
    const history = await WebEvaluation.findAll({ where: { versionId: version.id }, order: [['createdAt', 'ASC']] });
    return { ...presentEvaluation(evaluation), history: history.map(presentEvaluation) };
  }
}
