import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { CheckResult, WebFile } from '../web-lab/types';

export const WEB_PROJECT_STATUSES = ['draft', 'submitted', 'returned', 'graded'] as const;
export type WebProjectStatus = (typeof WEB_PROJECT_STATUSES)[number];
export type WebVersionStatus = 'checking' | 'completed' | 'failed';
export type WebEvaluationStatus = 'returned' | 'graded';
export type WebRecheckStatus = 'queued' | 'running' | 'completed' | 'failed';

/** One student's project for one assignment: the autosaved draft. `revision` is its ETag. */
export class WebProject extends Model<InferAttributes<WebProject>, InferCreationAttributes<WebProject>> {
  declare id: CreationOptional<string>;
  declare assignmentId: string;
  declare userId: string;
  declare classroomId: string | null;
  declare files: CreationOptional<WebFile[]>;
  declare revision: CreationOptional<number>;
  declare status: CreationOptional<WebProjectStatus>;
  declare submittedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof WebProject {
    WebProject.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        assignmentId: { type: DataTypes.UUID, allowNull: false },
        userId: { type: DataTypes.UUID, allowNull: false },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        files: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        revision: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'draft' },
        submittedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'web_projects', underscored: true },
    );
    return WebProject;
  }
}

/** An immutable snapshot made at each submit; only the worker's results are written afterwards. */
export class WebVersion extends Model<InferAttributes<WebVersion>, InferCreationAttributes<WebVersion>> {
  declare id: CreationOptional<string>;
  declare projectId: string;
  declare assignmentId: string;
  declare userId: string;
  declare classroomId: string | null;
  declare number: number;
  declare files: WebFile[];
  declare status: CreationOptional<WebVersionStatus>;
  declare score: CreationOptional<number>;
  declare maxScore: CreationOptional<number>;
  declare results: CreationOptional<CheckResult[]>;
  declare error: CreationOptional<string | null>;
  declare screenshotKey: CreationOptional<string | null>;
  declare thumbnailKey: CreationOptional<string | null>;
  declare daysLate: CreationOptional<number>;
  declare penaltyPercent: CreationOptional<number>;
  declare recheckId: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): typeof WebVersion {
    WebVersion.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        projectId: { type: DataTypes.UUID, allowNull: false },
        assignmentId: { type: DataTypes.UUID, allowNull: false },
        userId: { type: DataTypes.UUID, allowNull: false },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        number: { type: DataTypes.INTEGER, allowNull: false },
        files: { type: DataTypes.JSONB, allowNull: false },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'checking' },
        score: { type: DataTypes.DOUBLE, allowNull: false, defaultValue: 0 },
        maxScore: { type: DataTypes.DOUBLE, allowNull: false, defaultValue: 0 },
        results: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        error: { type: DataTypes.TEXT, allowNull: true },
        screenshotKey: { type: DataTypes.STRING(300), allowNull: true },
        thumbnailKey: { type: DataTypes.STRING(300), allowNull: true },
        daysLate: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        penaltyPercent: { type: DataTypes.DOUBLE, allowNull: false, defaultValue: 0 },
        recheckId: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: 'web_versions', underscored: true },
    );
    return WebVersion;
  }
}

export interface RubricScore {
  key: string;
  score: number;
  comment: string;
}

/** A teacher's evaluation of a version; a new one is added each time, so the rows are the history. */
export class WebEvaluation extends Model<InferAttributes<WebEvaluation>, InferCreationAttributes<WebEvaluation>> {
  declare id: CreationOptional<string>;
  declare versionId: string;
  declare projectId: string;
  declare scores: RubricScore[];
  declare note: CreationOptional<string>;
  declare status: WebEvaluationStatus;
  declare rubricTotal: number;
  declare grade: number;
  declare evaluatedBy: string | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof WebEvaluation {
    WebEvaluation.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        versionId: { type: DataTypes.UUID, allowNull: false },
        projectId: { type: DataTypes.UUID, allowNull: false },
        scores: { type: DataTypes.JSONB, allowNull: false },
        note: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        status: { type: DataTypes.STRING(10), allowNull: false },
        rubricTotal: { type: DataTypes.DOUBLE, allowNull: false },
        grade: { type: DataTypes.DOUBLE, allowNull: false },
        evaluatedBy: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'web_evaluations', underscored: true, updatedAt: false },
    );
    return WebEvaluation;
  }
}

/** A bulk re-check of an assignment's latest versions, with progress. */
export class WebRecheck extends Model<InferAttributes<WebRecheck>, InferCreationAttributes<WebRecheck>> {
  declare id: CreationOptional<string>;
  declare assignmentId: string;
  declare requestedBy: string | null;
  declare status: CreationOptional<WebRecheckStatus>;
  declare total: CreationOptional<number>;
  declare done: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): typeof WebRecheck {
    WebRecheck.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        assignmentId: { type: DataTypes.UUID, allowNull: false },
        requestedBy: { type: DataTypes.UUID, allowNull: true },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'queued' },
        total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: 'web_rechecks', underscored: true },
    );
    return WebRecheck;
  }
}
