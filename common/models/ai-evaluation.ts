import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const AI_EVALUATION_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type AiEvaluationStatus = (typeof AI_EVALUATION_STATUSES)[number];
export const AI_PROVIDERS = ['openai-compatible', 'static'] as const;
export type AiProvider = (typeof AI_PROVIDERS)[number];

export interface RubricEntry {
  criterion: string;
  score: number;
  max: number;
  comment: string;
}

/** What a reviewer (a model or the static reviewer) says about one submission. */
export interface AiEvaluationResult {
  summary: string;
  strengths: string[];
  issues: string[];
  suggestions: string[];
  rubric: RubricEntry[];
}

export interface FunctionMetrics {
  name: string;
  /** first line, 1-based, in its file */
  line: number;
  file: string;
  lines: number;
  /** McCabe cyclomatic complexity (parser) or 1 + decision keywords (heuristic) */
  complexity: number;
  /** deepest nesting of control blocks inside the function */
  maxNesting: number;
}

/** Measurable facts about the code: the same for every provider, stored beside the result. */
export interface CodeMetrics {
  language: string;
  /** `parser`: measured on a real syntax tree; `heuristic`: counted line by line */
  method: 'parser' | 'heuristic';
  note?: string;
  files: number;
  characters: number;
  lines: { total: number; code: number; comment: number; blank: number };
  /** lines holding a comment / non-blank lines */
  commentRatio: number;
  functionCount: number;
  functions: FunctionMetrics[];
  /** code outside any function (a script's main body) */
  topLevel: { complexity: number; maxNesting: number };
  maxNesting: number;
  maxComplexity: number;
  /** set when the JavaScript parser refused the code; the figures are then heuristic */
  parseError?: string;
  tests?: { passed: number; total: number; score: number; maxScore: number; verdict: string | null };
}

export class AiEvaluation extends Model<InferAttributes<AiEvaluation>, InferCreationAttributes<AiEvaluation>> {
  declare id: CreationOptional<string>;
  declare codingSubmissionId: string;
  declare requestedBy: string | null;
  declare status: CreationOptional<AiEvaluationStatus>;
  declare provider: AiProvider | null;
  declare model: string | null;
  declare result: CreationOptional<AiEvaluationResult | null>;
  declare metrics: CreationOptional<CodeMetrics | null>;
  declare error: CreationOptional<string | null>;
  declare attempts: CreationOptional<number>;
  declare startedAt: CreationOptional<Date | null>;
  declare completedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  /** The shape the API answers with. */
  toPublic(): PublicAiEvaluation {
    return {
      id: this.id,
      submissionId: this.codingSubmissionId,
      status: this.status,
      provider: this.provider,
      model: this.model,
      result: this.result ?? null,
      metrics: this.metrics ?? null,
      error: this.error ?? null,
      attempts: this.attempts,
      createdAt: this.createdAt,
      startedAt: this.startedAt ?? null,
      completedAt: this.completedAt ?? null,
    };
  }

  static initModel(sequelize: Sequelize): typeof AiEvaluation {
    AiEvaluation.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        codingSubmissionId: { type: DataTypes.UUID, allowNull: false },
        requestedBy: { type: DataTypes.UUID, allowNull: true },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'queued' },
        provider: { type: DataTypes.STRING(20), allowNull: true },
        model: { type: DataTypes.STRING(200), allowNull: true },
        result: { type: DataTypes.JSONB, allowNull: true },
        metrics: { type: DataTypes.JSONB, allowNull: true },
        error: { type: DataTypes.TEXT, allowNull: true },
        attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        startedAt: { type: DataTypes.DATE, allowNull: true },
        completedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'ai_evaluations', underscored: true },
    );
    return AiEvaluation;
  }
}

export interface PublicAiEvaluation {
  id: string;
  submissionId: string;
  status: AiEvaluationStatus;
  provider: AiProvider | null;
  model: string | null;
  result: AiEvaluationResult | null;
  metrics: CodeMetrics | null;
  error: string | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}
