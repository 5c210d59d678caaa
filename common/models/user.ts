import {
  DataTypes,
  Model,
  type CreationOptional,
  type ForeignKey,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export const ROLES = ['student', 'teacher', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const USER_STATUSES = ['active', 'suspended'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<string>;
  /** null for a student registered by staff with only a NIS (README.md#admin-people) */
  declare email: string | null;
  declare passwordHash: string;
  declare name: string;
  declare role: Role;
  declare status: CreationOptional<UserStatus>;
  declare emailVerifiedAt: Date | null;
  declare lastLoginAt: CreationOptional<Date | null>;
  declare classroomId: ForeignKey<string> | null;
  declare studentNumber: CreationOptional<string | null>;
  declare phone: CreationOptional<string | null>;
  declare bio: CreationOptional<string | null>;
  declare avatarUrl: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare deletedAt: CreationOptional<Date | null>;
  /** set when staff chose the password: every route but the password change refuses until it is changed */
  declare mustChangePassword: CreationOptional<boolean>;

  /** The shape a user is shown in: never the hash. */
  toPublic(): PublicUser {
    return {
      id: this.id,
      email: this.email,
      name: this.name,
      role: this.role,
      status: this.status,
      emailVerified: this.emailVerifiedAt !== null,
      classroomId: this.classroomId ?? null,
      studentNumber: this.studentNumber ?? null,
      phone: this.phone ?? null,
      bio: this.bio ?? null,
      avatarUrl: this.avatarUrl ?? null,
      lastLoginAt: this.lastLoginAt ?? null,
      mustChangePassword: this.mustChangePassword ?? false,
      createdAt: this.createdAt,
    };
  }

  static initModel(sequelize: Sequelize): typeof User {
    User.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        email: {
          type: DataTypes.STRING(254),
          allowNull: true,
          set(value: string | null) {
            this.setDataValue('email', value === null ? null : value.trim().toLowerCase());
          },
        },
        passwordHash: { type: DataTypes.STRING(100), allowNull: false },
        name: { type: DataTypes.STRING(120), allowNull: false },
        role: { type: DataTypes.STRING(10), allowNull: false },
        status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'active' },
        emailVerifiedAt: { type: DataTypes.DATE, allowNull: true },
        lastLoginAt: { type: DataTypes.DATE, allowNull: true },
        classroomId: { type: DataTypes.UUID, allowNull: true },
        studentNumber: { type: DataTypes.STRING(20), allowNull: true },
        phone: { type: DataTypes.STRING(20), allowNull: true },
        bio: { type: DataTypes.STRING(500), allowNull: true },
        avatarUrl: { type: DataTypes.STRING(500), allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
        deletedAt: DataTypes.DATE,
        mustChangePassword: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      },
      { sequelize, tableName: 'users', paranoid: true },
    );
    return User;
  }
}

export interface PublicUser {
  id: string;
  email: string | null;
  name: string;
  role: Role;
  status: UserStatus;
  emailVerified: boolean;
  classroomId: string | null;
  studentNumber: string | null;
  phone: string | null;
  bio: string | null;
  avatarUrl: string | null;
  lastLoginAt: Date | null;
  mustChangePassword: boolean;
  createdAt: Date;
}
