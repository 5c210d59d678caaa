import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const CONVERSATION_KINDS = ['support', 'direct', 'classroom'] as const;
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];
export const SUPPORT_STATUSES = ['open', 'waiting', 'closed'] as const;
export type SupportStatus = (typeof SUPPORT_STATUSES)[number];
export const SUPPORT_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type SupportPriority = (typeof SUPPORT_PRIORITIES)[number];

export class ChatConversation extends Model<InferAttributes<ChatConversation>, InferCreationAttributes<ChatConversation>> {
  declare id: CreationOptional<string>;
  declare kind: ConversationKind;
  declare classroomId: string | null;
  /** `<smaller user id>:<larger user id>` of a direct conversation */
  declare directKey: string | null;
  declare subject: string | null;
  declare status: SupportStatus | null;
  declare priority: SupportPriority | null;
  declare assigneeId: string | null;
  declare createdBy: string | null;
  declare lastMessageAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof ChatConversation {
    ChatConversation.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        kind: { type: DataTypes.STRING(10), allowNull: false },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        directKey: { type: DataTypes.STRING(80), allowNull: true },
        subject: { type: DataTypes.STRING(200), allowNull: true },
        status: { type: DataTypes.STRING(10), allowNull: true },
        priority: { type: DataTypes.STRING(10), allowNull: true },
        assigneeId: { type: DataTypes.UUID, allowNull: true },
        createdBy: { type: DataTypes.UUID, allowNull: true },
        lastMessageAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'chat_conversations', underscored: true },
    );
    return ChatConversation;
  }
}

export class ChatMember extends Model<InferAttributes<ChatMember>, InferCreationAttributes<ChatMember>> {
  declare conversationId: string;
  declare userId: string;
  declare lastReadAt: Date | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof ChatMember {
    ChatMember.init(
      {
        conversationId: { type: DataTypes.UUID, primaryKey: true },
        userId: { type: DataTypes.UUID, primaryKey: true },
        lastReadAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'chat_members', underscored: true, updatedAt: false },
    );
    return ChatMember;
  }
}

export class ChatMessage extends Model<InferAttributes<ChatMessage>, InferCreationAttributes<ChatMessage>> {
  declare id: CreationOptional<string>;
  declare conversationId: string;
  declare authorId: string | null;
  declare body: string;
  declare bodyHtml: string;
  declare editedAt: Date | null;
  declare deletedAt: Date | null;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof ChatMessage {
    ChatMessage.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        conversationId: { type: DataTypes.UUID, allowNull: false },
        authorId: { type: DataTypes.UUID, allowNull: true },
        body: { type: DataTypes.TEXT, allowNull: false },
        bodyHtml: { type: DataTypes.TEXT, allowNull: false },
        editedAt: { type: DataTypes.DATE, allowNull: true },
        deletedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      // deletedAt is ours (the message keeps its place), not Sequelize's paranoid mode
      { sequelize, tableName: 'chat_messages', underscored: true, updatedAt: false },
    );
    return ChatMessage;
  }
}
