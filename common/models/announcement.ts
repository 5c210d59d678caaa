import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const ANNOUNCEMENT_CATEGORIES = ['class', 'event', 'assignment', 'grade', 'system'] as const;
export type AnnouncementCategory = (typeof ANNOUNCEMENT_CATEGORIES)[number];

/** A school-site announcement (table `announcements`); `classroomId` null means school-wide. */
export class Announcement extends Model<InferAttributes<Announcement>, InferCreationAttributes<Announcement>> {
  declare id: CreationOptional<string>;
  declare title: string;
  declare excerpt: CreationOptional<string | null>;
  declare content: string;
  declare contentHtml: string;
  declare category: AnnouncementCategory;
  declare important: CreationOptional<boolean>;
  declare active: CreationOptional<boolean>;
  declare showOnHomepage: CreationOptional<boolean>;
  declare deadline: CreationOptional<Date | null>;
  declare link: CreationOptional<string | null>;
  declare viewCount: CreationOptional<number>;
  declare publishAt: CreationOptional<Date>;
  declare notifiedAt: CreationOptional<Date | null>;
  declare classroomId: CreationOptional<string | null>;
  declare authorId: CreationOptional<string | null>;
  declare imageFileId: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof Announcement {
    Announcement.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        title: { type: DataTypes.STRING(200), allowNull: false },
        excerpt: { type: DataTypes.STRING(500), allowNull: true },
        content: { type: DataTypes.TEXT, allowNull: false },
        contentHtml: { type: DataTypes.TEXT, allowNull: false },
        category: { type: DataTypes.STRING(20), allowNull: false },
        important: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        showOnHomepage: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        deadline: { type: DataTypes.DATE, allowNull: true },
        link: { type: DataTypes.STRING(500), allowNull: true },
        viewCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        publishAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
        notifiedAt: { type: DataTypes.DATE, allowNull: true },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        authorId: { type: DataTypes.UUID, allowNull: true },
        imageFileId: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'announcements', underscored: true },
    );
    return Announcement;
  }
}
