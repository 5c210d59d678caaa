import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
  type Transaction,
} from 'sequelize';

/** Audit-log entry types. Features add theirs here. */
export const AUDIT_TYPES = [
  'register',
  'email_verified',
  'login',
  'login_failed',
  'logout',
  'refresh_reuse',
  'password_change',
  'password_reset',
  // staff managing accounts (README.md#admin-people); userId is the staff member, details.targetId the account
  'account_created',
  'account_updated',
  'account_deleted',
  'account_restored',
  'account_suspended',
  'account_unsuspended',
  'account_password_reset',
  'classroom_changed',
  'event_changed',
  'students_imported',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/**
 * The security and staff audit log (table `audit_log`, README.md#admin-school-events-and-audit-log):
 * who did what, from where. Kept when a user is removed.
 */
export class AuditEntry extends Model<InferAttributes<AuditEntry>, InferCreationAttributes<AuditEntry>> {
  declare id: CreationOptional<string>;
  declare userId: string | null;
  declare type: AuditType;
  declare details: CreationOptional<Record<string, unknown>>;
  declare ip: string | null;
  declare createdAt: CreationOptional<Date>;

  static async record(
    entry: { type: AuditType; userId: string | null; ip?: string | null; details?: Record<string, unknown> },
    transaction?: Transaction,
  ): Promise<void> {
    await AuditEntry.create({ type: entry.type, userId: entry.userId, ip: entry.ip ?? null, details: entry.details ?? {} }, { transaction });
  }

  static initModel(sequelize: Sequelize): typeof AuditEntry {
    AuditEntry.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        userId: { type: DataTypes.UUID, allowNull: true },
        type: { type: DataTypes.STRING(40), allowNull: false },
        details: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        ip: { type: DataTypes.STRING(64), allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'audit_log', underscored: true, updatedAt: false },
    );
    return AuditEntry;
  }
}
