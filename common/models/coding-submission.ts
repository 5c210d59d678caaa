import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { CodingLanguage } from './coding-task';
import type { Visibility } from './coding-test-case';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const VERDICTS = [
  'accepted',
  'wrong_answer',
  'compile_error',
  'runtime_error',
  'time_limit',
  'memory_limit',
  'output_limit',
  'internal_error',
] as const;
export type Verdict = (typeof VERDICTS)[number];
/** A test's own verdict: the submission verdicts that apply to one run, or `skipped` after a stop. */
export type TestVerdict = Exclude<Verdict, 'compile_error'> | 'skipped';

export interface CodeFile {
  name: string;
  content: string;
}

/** One test's outcome as the worker stored it; the API redacts it per reader. */
export interface TestResult {
  index: number;
  testId: string;
  name: string;
  visibility: Visibility;
  sample: boolean;
  verdict: TestVerdict;
  points: number;
  earned: number;
  timeMs: number;
  memoryKb: number;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** for a wrong answer: where the output first differs, then a unified diff */
  diff: string | null;
}

export class CodingSubmission extends Model<InferAttributes<CodingSubmission>, InferCreationAttributes<CodingSubmission>> {
  declare id: CreationOptional<string>;
  declare taskId: string;
  declare userId: string;
  declare classroomId: string | null;
  declare language: CodingLanguage;
  declare files: CodeFile[];
  declare status: CreationOptional<JobStatus>;
  declare verdict: CreationOptional<Verdict | null>;
  declare score: CreationOptional<number>;
  declare maxScore: CreationOptional<number>;
  declare results: CreationOptional<TestResult[]>;
  declare compileOutput: CreationOptional<string | null>;
  declare error: CreationOptional<string | null>;
  declare attempt: number;
  declare jobId: CreationOptional<string | null>;
  declare gradingToken: CreationOptional<string | null>;
  declare starts: CreationOptional<number>;
  declare runnerCrashes: CreationOptional<number>;
  declare rejudgeId: CreationOptional<string | null>;
  declare queuedAt: CreationOptional<Date>;
  declare startedAt: CreationOptional<Date | null>;
  declare finishedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof CodingSubmission {
    CodingSubmission.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        taskId: { type: DataTypes.UUID, allowNull: false },
        userId: { type: DataTypes.UUID, allowNull: false },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        language: { type: DataTypes.STRING(16), allowNull: false },
        files: { type: DataTypes.JSONB, allowNull: false },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'queued' },
        verdict: { type: DataTypes.STRING(16), allowNull: true },
        score: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        maxScore: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        results: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        compileOutput: { type: DataTypes.TEXT, allowNull: true },
        error: { type: DataTypes.TEXT, allowNull: true },
        attempt: { type: DataTypes.INTEGER, allowNull: false },
        jobId: { type: DataTypes.STRING(120), allowNull: true },
        gradingToken: { type: DataTypes.UUID, allowNull: true },
        starts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        runnerCrashes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        rejudgeId: { type: DataTypes.UUID, allowNull: true },
        queuedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
        startedAt: { type: DataTypes.DATE, allowNull: true },
        finishedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'coding_submissions', underscored: true },
    );
    return CodingSubmission;
  }
}
