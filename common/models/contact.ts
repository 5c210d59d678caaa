import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const CONTACT_STATUSES = ['unread', 'read', 'replied'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** A message from the public contact form (table `contact_messages`). */
export class ContactMessage extends Model<InferAttributes<ContactMessage>, InferCreationAttributes<ContactMessage>> {
  declare id: CreationOptional<string>;
  declare name: string;
  declare email: string;
  declare phone: CreationOptional<string | null>;
  declare subject: string;
  declare message: string;
  declare status: CreationOptional<ContactStatus>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof ContactMessage {
    ContactMessage.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        name: { type: DataTypes.STRING(100), allowNull: false },
        email: { type: DataTypes.STRING(254), allowNull: false },
        phone: { type: DataTypes.STRING(30), allowNull: true },
        subject: { type: DataTypes.STRING(200), allowNull: false },
        message: { type: DataTypes.TEXT, allowNull: false },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'unread' },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'contact_messages', underscored: true },
    );
    return ContactMessage;
  }
}

/** A reply staff emailed to a contact message (table `contact_replies`). */
export class ContactReply extends Model<InferAttributes<ContactReply>, InferCreationAttributes<ContactReply>> {
  declare id: CreationOptional<string>;
  declare contactId: string;
  declare authorId: string | null;
  declare message: string;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof ContactReply {
    ContactReply.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        contactId: { type: DataTypes.UUID, allowNull: false },
        authorId: { type: DataTypes.UUID, allowNull: true },
        message: { type: DataTypes.TEXT, allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'contact_replies', underscored: true, updatedAt: false },
    );
    return ContactReply;
  }
}
