import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { ImportSummary, RowResult } from '../people/student-import';

export const STUDENT_IMPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type StudentImportStatus = (typeof STUDENT_IMPORT_STATUSES)[number];

/** A student import run as a job (README.md#admin-bulk-import-and-export). */
export class StudentImport extends Model<InferAttributes<StudentImport>, InferCreationAttributes<StudentImport>> {
  declare id: CreationOptional<string>;
  declare requestedBy: string | null;
  declare status: CreationOptional<StudentImportStatus>;
  declare total: number;
  declare done: CreationOptional<number>;
  /** the uploaded file until the worker has read it; cleared when the import ends */
  declare csv: string | null;
  declare initialPasswordHash: string | null;
  declare summary: CreationOptional<ImportSummary | null>;
  /** the refused rows when the school changed between the upload and the job */
  declare refused: CreationOptional<RowResult[] | null>;
  declare error: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): typeof StudentImport {
    StudentImport.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        requestedBy: { type: DataTypes.UUID, allowNull: true },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'queued' },
        total: { type: DataTypes.INTEGER, allowNull: false },
        done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        csv: { type: DataTypes.TEXT, allowNull: true },
        initialPasswordHash: { type: DataTypes.STRING(100), allowNull: true },
        summary: { type: DataTypes.JSONB, allowNull: true },
        refused: { type: DataTypes.JSONB, allowNull: true },
        error: { type: DataTypes.TEXT, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: 'student_imports', underscored: true },
    );
    return StudentImport;
  }
}
