import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const REVOKE_REASONS = ['rotated', 'logout', 'reuse', 'password', 'admin'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

/**
 * One refresh token of a login. Every token descended from one login shares `familyId`, which is
 * also the `sid` claim of the access tokens minted with it. Only the token's keyed hash is stored.
 */
export class RefreshToken extends Model<InferAttributes<RefreshToken>, InferCreationAttributes<RefreshToken>> {
  declare id: CreationOptional<string>;
  declare userId: string;
  declare familyId: string;
  /** when the login began; rotation never extends a family past REFRESH_FAMILY_MAX_AGE from here */
  declare familyStartedAt: Date;
  declare tokenHash: string;
  declare expiresAt: Date;
  declare revokedAt: CreationOptional<Date | null>;
  declare revokedReason: CreationOptional<RevokeReason | null>;
  declare replacedBy: CreationOptional<string | null>;
  declare userAgent: string | null;
  declare ip: string | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof RefreshToken {
    RefreshToken.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        userId: { type: DataTypes.UUID, allowNull: false },
        familyId: { type: DataTypes.UUID, allowNull: false },
        familyStartedAt: { type: DataTypes.DATE, allowNull: false },
        tokenHash: { type: DataTypes.CHAR(64), allowNull: false },
        expiresAt: { type: DataTypes.DATE, allowNull: false },
        revokedAt: { type: DataTypes.DATE, allowNull: true },
        revokedReason: { type: DataTypes.STRING(20), allowNull: true },
        replacedBy: { type: DataTypes.UUID, allowNull: true },
        userAgent: { type: DataTypes.STRING(512), allowNull: true },
        ip: { type: DataTypes.STRING(64), allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'refresh_tokens', underscored: true, updatedAt: false },
    );
    return RefreshToken;
  }
}
