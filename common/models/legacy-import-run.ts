import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { ImportOptions, ImportReport, ProgressEvent } from '../legacy-import/types';

export const LEGACY_RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type LegacyRunStatus = (typeof LEGACY_RUN_STATUSES)[number];
export type StoredOptions = Omit<ImportOptions, 'filesRoot'>;

/** One legacy import run, from the CLI or the admin job, with its report (README.md#moving-from-the-old-gema). */
export class LegacyImportRun extends Model<InferAttributes<LegacyImportRun>, InferCreationAttributes<LegacyImportRun>> {
  declare id: CreationOptional<string>;
  declare mode: StoredOptions['mode'];
  declare status: CreationOptional<LegacyRunStatus>;
  /** the legacy database's URL without its password */
  declare source: string;
  declare options: StoredOptions;
  declare report: CreationOptional<ImportReport | null>;
  declare progress: CreationOptional<ProgressEvent | null>;
  declare error: CreationOptional<string | null>;
  declare startedBy: string | null;
  declare createdAt: CreationOptional<Date>;
  declare startedAt: CreationOptional<Date | null>;
  declare finishedAt: CreationOptional<Date | null>;

  static initModel(sequelize: Sequelize): typeof LegacyImportRun {
    LegacyImportRun.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        mode: { type: DataTypes.STRING(10), allowNull: false },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'queued' },
        source: { type: DataTypes.STRING(300), allowNull: false },
        options: { type: DataTypes.JSONB, allowNull: false },
        report: { type: DataTypes.JSONB, allowNull: true },
        progress: { type: DataTypes.JSONB, allowNull: true },
        error: { type: DataTypes.TEXT, allowNull: true },
        startedBy: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        startedAt: { type: DataTypes.DATE, allowNull: true },
        finishedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: 'legacy_import_runs', underscored: true, updatedAt: false },
    );
    return LegacyImportRun;
  }
}
