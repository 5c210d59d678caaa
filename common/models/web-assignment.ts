import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { RubricCriterion, WebCheck, WebFile } from '../web-lab/types';

/** A web-lab assignment. README.md#web-lab */
export class WebAssignment extends Model<InferAttributes<WebAssignment>, InferCreationAttributes<WebAssignment>> {
  declare id: CreationOptional<string>;
  declare title: string;
  declare description: CreationOptional<string>;
  /** null: set for every classroom */
  declare classroomId: string | null;
  declare starterFiles: CreationOptional<WebFile[]>;
  declare dueAt: Date;
  declare acceptLate: CreationOptional<boolean>;
  declare latePenaltyPercent: CreationOptional<number>;
  declare maxLateDays: CreationOptional<number | null>;
  declare points: number;
  /** how much of the grade the automatic score makes (0: the rubric alone) */
  declare autoWeightPercent: CreationOptional<number>;
  declare rubric: RubricCriterion[];
  declare checks: CreationOptional<WebCheck[]>;
  declare published: CreationOptional<boolean>;
  declare archivedAt: CreationOptional<Date | null>;
  declare createdBy: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof WebAssignment {
    WebAssignment.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        title: { type: DataTypes.STRING(200), allowNull: false },
        description: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        starterFiles: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        dueAt: { type: DataTypes.DATE, allowNull: false },
        acceptLate: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        latePenaltyPercent: { type: DataTypes.DOUBLE, allowNull: false, defaultValue: 0 },
        maxLateDays: { type: DataTypes.INTEGER, allowNull: true },
        points: { type: DataTypes.INTEGER, allowNull: false },
        autoWeightPercent: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        rubric: { type: DataTypes.JSONB, allowNull: false },
        checks: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        published: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        archivedAt: { type: DataTypes.DATE, allowNull: true },
        createdBy: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'web_assignments', underscored: true },
    );
    return WebAssignment;
  }
}
