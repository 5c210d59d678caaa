import { newJoinCode } from '../people/join-codes';
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Classroom extends Model<InferAttributes<Classroom>, InferCreationAttributes<Classroom>> {
  declare id: CreationOptional<string>;
  declare name: string;
  declare academicYear: string;
  /** archived classrooms keep their history but take no new students (README.md#admin-people) */
  declare archivedAt: CreationOptional<Date | null>;
  /** what a student types to join (README.md#classroom-join-codes); null: joining by code is off */
  declare joinCode: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof Classroom {
    Classroom.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        name: { type: DataTypes.STRING(100), allowNull: false },
        academicYear: { type: DataTypes.STRING(9), allowNull: false },
        archivedAt: { type: DataTypes.DATE, allowNull: true },
        joinCode: { type: DataTypes.TEXT, allowNull: true, defaultValue: newJoinCode },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'classrooms' },
    );
    return Classroom;
  }
}

/** Which teacher teaches which classroom (many to many). */
export class ClassroomTeacher extends Model<InferAttributes<ClassroomTeacher>, InferCreationAttributes<ClassroomTeacher>> {
  declare classroomId: string;
  declare teacherId: string;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof ClassroomTeacher {
    ClassroomTeacher.init(
      {
        classroomId: { type: DataTypes.UUID, primaryKey: true },
        teacherId: { type: DataTypes.UUID, primaryKey: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'classroom_teachers', updatedAt: false },
    );
    return ClassroomTeacher;
  }
}
