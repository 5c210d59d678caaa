import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/**
 * What a notification is about. The frontend picks an icon by it and a user mutes by it
 * (README.md#notifications).
 */
export const NOTIFICATION_TYPES = [
  'submission.graded',
  'submission.returned',
  'submission.needs_revision',
  'assignment.published',
  'assignment.deadline',
  'announcement',
  'discussion.reply',
  'discussion.mention',
  'coding.graded',
  'ai.evaluated',
  'chat.message',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export class Notification extends Model<InferAttributes<Notification>, InferCreationAttributes<Notification>> {
  declare id: CreationOptional<string>;
  declare userId: string;
  declare type: NotificationType;
  declare title: string;
  declare body: CreationOptional<string>;
  declare link: string | null;
  declare data: CreationOptional<Record<string, unknown>>;
  declare dedupeKey: string | null;
  declare readAt: Date | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof Notification {
    Notification.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        userId: { type: DataTypes.UUID, allowNull: false },
        type: { type: DataTypes.STRING(40), allowNull: false },
        title: { type: DataTypes.STRING(200), allowNull: false },
        body: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        link: { type: DataTypes.STRING(500), allowNull: true },
        data: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        dedupeKey: { type: DataTypes.STRING(200), allowNull: true },
        readAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'notifications', underscored: true, updatedAt: false },
    );
    return Notification;
  }
}

/** A user's muted notification types: stored and listed, never pushed. */
export class NotificationPreference extends Model<InferAttributes<NotificationPreference>, InferCreationAttributes<NotificationPreference>> {
  declare userId: string;
  declare mutedTypes: NotificationType[];
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof NotificationPreference {
    NotificationPreference.init(
      {
        userId: { type: DataTypes.UUID, primaryKey: true },
        mutedTypes: { type: DataTypes.ARRAY(DataTypes.STRING(40)), allowNull: false, defaultValue: [] },
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'notification_preferences', underscored: true, createdAt: false },
    );
    return NotificationPreference;
  }
}
