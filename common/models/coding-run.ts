import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { CodingLanguage } from './coding-task';
import type { CodeFile, JobStatus, TestVerdict } from './coding-submission';

import type { RunOutcome } from '../grading/run-result';

export type { RunOutcome };

/** One sample test of a "run samples" run, compared as grading compares it (no points, no score). */
export interface SampleResult extends Omit<RunOutcome, 'verdict'> {
  testId: string;
  name: string;
  stdin: string;
  expected: string;
  /** `accepted` or `wrong_answer` when the program ran to the end, else how the run ended */
  verdict: TestVerdict;
  diff: string | null;
}

export class CodingRun extends Model<InferAttributes<CodingRun>, InferCreationAttributes<CodingRun>> {
  declare id: CreationOptional<string>;
  declare userId: string;
  declare language: CodingLanguage;
  declare files: CodeFile[];
  declare stdin: CreationOptional<string>;
  /** set for "run samples": the task whose sample tests the program runs against */
  declare taskId: CreationOptional<string | null>;
  declare sampleResults: CreationOptional<SampleResult[] | null>;
  declare status: CreationOptional<JobStatus>;
  declare result: CreationOptional<RunOutcome | null>;
  declare compileOutput: CreationOptional<string | null>;
  declare error: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): typeof CodingRun {
    CodingRun.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        userId: { type: DataTypes.UUID, allowNull: false },
        language: { type: DataTypes.STRING(16), allowNull: false },
        files: { type: DataTypes.JSONB, allowNull: false },
        stdin: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        taskId: { type: DataTypes.UUID, allowNull: true },
        sampleResults: { type: DataTypes.JSONB, allowNull: true },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'queued' },
        result: { type: DataTypes.JSONB, allowNull: true },
        compileOutput: { type: DataTypes.TEXT, allowNull: true },
        error: { type: DataTypes.TEXT, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: 'coding_runs', underscored: true },
    );
    return CodingRun;
  }
}
