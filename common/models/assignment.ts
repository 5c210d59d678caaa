import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const ASSIGNMENT_KINDS = ['file', 'text', 'link'] as const;
export type AssignmentKind = (typeof ASSIGNMENT_KINDS)[number];
export const ASSIGNMENT_STATUSES = ['draft', 'published', 'archived'] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

export class Assignment extends Model<InferAttributes<Assignment>, InferCreationAttributes<Assignment>> {
  declare id: CreationOptional<string>;
  declare title: string;
  declare description: CreationOptional<string>;
  /** null: the assignment is set for every classroom */
  declare classroomId: string | null;
  declare kind: AssignmentKind;
  declare dueAt: Date;
  declare maxPoints: number;
  declare acceptLate: CreationOptional<boolean>;
  declare latePenaltyPercent: CreationOptional<number>;
  /** null: late work is accepted however late (the penalty still applies) */
  declare maxLateDays: CreationOptional<number | null>;
  declare maxAttempts: CreationOptional<number>;
  /** extensions (`pdf`) or MIME types (`application/pdf`, `image/*`), matched against the sniffed type; empty: the default list */
  declare allowedFileTypes: CreationOptional<string[]>;
  declare maxFileBytes: CreationOptional<number>;
  declare status: CreationOptional<AssignmentStatus>;
  declare createdBy: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof Assignment {
    Assignment.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        title: { type: DataTypes.STRING(200), allowNull: false },
        description: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        kind: { type: DataTypes.STRING(10), allowNull: false },
        dueAt: { type: DataTypes.DATE, allowNull: false },
        maxPoints: { type: DataTypes.INTEGER, allowNull: false },
        acceptLate: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        latePenaltyPercent: { type: DataTypes.DOUBLE, allowNull: false, defaultValue: 0 },
        maxLateDays: { type: DataTypes.INTEGER, allowNull: true },
        maxAttempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        allowedFileTypes: { type: DataTypes.ARRAY(DataTypes.STRING(100)), allowNull: false, defaultValue: [] },
        maxFileBytes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 10 * 1024 * 1024 },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'draft' },
        createdBy: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'assignments' },
    );
    return Assignment;
  }
}
