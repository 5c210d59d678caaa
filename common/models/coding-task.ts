import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type NonAttribute,
  type Sequelize,
} from 'sequelize';
import type { CodingTestCase } from './coding-test-case';
import { LANGUAGES, TASK_LIMITS, type Language } from '../grading';

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];
export const SCORING_MODES = ['partial', 'all_or_nothing'] as const;
export type ScoringMode = (typeof SCORING_MODES)[number];
/** The grading contract's languages (common/grading), under the names the models use. */
export const CODING_LANGUAGES = LANGUAGES;
export type CodingLanguage = Language;

export class CodingTask extends Model<InferAttributes<CodingTask>, InferCreationAttributes<CodingTask>> {
  declare id: CreationOptional<string>;
  declare slug: string;
  declare title: string;
  declare description: CreationOptional<string>;
  declare difficulty: CreationOptional<Difficulty>;
  declare tags: CreationOptional<string[]>;
  declare languages: CodingLanguage[];
  declare starterCode: CreationOptional<Partial<Record<CodingLanguage, string>>>;
  declare timeLimitMs: CreationOptional<number>;
  declare memoryLimitMb: CreationOptional<number>;
  declare points: CreationOptional<number>;
  declare classroomId: string | null;
  declare published: CreationOptional<boolean>;
  declare scoring: CreationOptional<ScoringMode>;
  declare stopOnFirstFailure: CreationOptional<boolean>;
  declare createdBy: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare deletedAt: CreationOptional<Date | null>;
  declare tests?: NonAttribute<CodingTestCase[]>;

  static initModel(sequelize: Sequelize): typeof CodingTask {
    CodingTask.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        slug: { type: DataTypes.STRING(80), allowNull: false },
        title: { type: DataTypes.STRING(200), allowNull: false },
        description: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        difficulty: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'easy' },
        tags: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] },
        languages: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
        starterCode: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        timeLimitMs: { type: DataTypes.INTEGER, allowNull: false, defaultValue: TASK_LIMITS.timeMs.default },
        memoryLimitMb: { type: DataTypes.INTEGER, allowNull: false, defaultValue: TASK_LIMITS.memoryMb.default },
        points: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 100 },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        published: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        scoring: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'partial' },
        stopOnFirstFailure: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        createdBy: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        deletedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'coding_tasks', underscored: true, paranoid: true },
    );
    return CodingTask;
  }
}
