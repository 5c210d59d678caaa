import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { JobStatus } from './coding-submission';

/** A bulk re-grade of every latest submission of a task; `done` counts graded ones. */
export class CodingRejudge extends Model<InferAttributes<CodingRejudge>, InferCreationAttributes<CodingRejudge>> {
  declare id: CreationOptional<string>;
  declare taskId: string;
  declare requestedBy: string | null;
  declare status: CreationOptional<JobStatus>;
  declare total: CreationOptional<number>;
  declare done: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): typeof CodingRejudge {
    CodingRejudge.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        taskId: { type: DataTypes.UUID, allowNull: false },
        requestedBy: { type: DataTypes.UUID, allowNull: true },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'queued' },
        total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: 'coding_rejudges', underscored: true },
    );
    return CodingRejudge;
  }
}
