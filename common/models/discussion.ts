import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class DiscussionThread extends Model<InferAttributes<DiscussionThread>, InferCreationAttributes<DiscussionThread>> {
  declare id: CreationOptional<string>;
  declare authorId: string | null;
  /** null: school-wide */
  declare classroomId: string | null;
  declare title: string;
  declare body: string;
  declare bodyHtml: string;
  declare tags: CreationOptional<string[]>;
  declare pinned: CreationOptional<boolean>;
  declare locked: CreationOptional<boolean>;
  declare acceptedReplyId: CreationOptional<string | null>;
  declare replyCount: CreationOptional<number>;
  declare lastActivityAt: CreationOptional<Date>;
  declare editedAt: CreationOptional<Date | null>;
  declare deletedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof DiscussionThread {
    DiscussionThread.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        authorId: { type: DataTypes.UUID, allowNull: true },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        title: { type: DataTypes.STRING(200), allowNull: false },
        body: { type: DataTypes.TEXT, allowNull: false },
        bodyHtml: { type: DataTypes.TEXT, allowNull: false },
        tags: { type: DataTypes.ARRAY(DataTypes.STRING(30)), allowNull: false, defaultValue: [] },
        pinned: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        locked: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        acceptedReplyId: { type: DataTypes.UUID, allowNull: true },
        replyCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        lastActivityAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
        editedAt: { type: DataTypes.DATE, allowNull: true },
        deletedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      // deletedAt is ours (the thread keeps its place), not Sequelize's paranoid mode
      { sequelize, tableName: 'discussion_threads', underscored: true },
    );
    return DiscussionThread;
  }
}

export class DiscussionReply extends Model<InferAttributes<DiscussionReply>, InferCreationAttributes<DiscussionReply>> {
  declare id: CreationOptional<string>;
  declare threadId: string;
  declare authorId: string | null;
  /** a top-level reply of the same thread: one level of nesting */
  declare replyTo: string | null;
  declare body: string;
  declare bodyHtml: string;
  declare editedAt: CreationOptional<Date | null>;
  declare deletedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof DiscussionReply {
    DiscussionReply.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        threadId: { type: DataTypes.UUID, allowNull: false },
        authorId: { type: DataTypes.UUID, allowNull: true },
        replyTo: { type: DataTypes.UUID, allowNull: true },
        body: { type: DataTypes.TEXT, allowNull: false },
        bodyHtml: { type: DataTypes.TEXT, allowNull: false },
        editedAt: { type: DataTypes.DATE, allowNull: true },
        deletedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'discussion_replies', underscored: true },
    );
    return DiscussionReply;
  }
}
