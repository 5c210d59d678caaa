import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export const SUBMISSION_STATUSES = ['submitted', 'late', 'graded', 'returned', 'needs_revision'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];
/** Statuses a teacher's review leaves an attempt in. */
export const REVIEW_STATUSES = ['graded', 'returned', 'needs_revision'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** One attempt of a student at an assignment; the highest attempt is the one that counts. */
export class Submission extends Model<InferAttributes<Submission>, InferCreationAttributes<Submission>> {
  declare id: CreationOptional<string>;
  declare assignmentId: string;
  declare studentId: string;
  declare attempt: number;
  declare content: string | null;
  declare status: SubmissionStatus;
  declare submittedAt: Date;
  declare daysLate: CreationOptional<number>;
  declare penaltyPercent: CreationOptional<number>;
  declare grade: CreationOptional<number | null>;
  declare rawGrade: CreationOptional<number | null>;
  declare feedback: CreationOptional<string | null>;
  declare gradedBy: CreationOptional<string | null>;
  declare gradedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof Submission {
    Submission.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        assignmentId: { type: DataTypes.UUID, allowNull: false },
        studentId: { type: DataTypes.UUID, allowNull: false },
        attempt: { type: DataTypes.INTEGER, allowNull: false },
        content: { type: DataTypes.TEXT, allowNull: true },
        status: { type: DataTypes.STRING(16), allowNull: false },
        submittedAt: { type: DataTypes.DATE, allowNull: false },
        daysLate: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        penaltyPercent: { type: DataTypes.DOUBLE, allowNull: false, defaultValue: 0 },
        grade: { type: DataTypes.DOUBLE, allowNull: true },
        rawGrade: { type: DataTypes.DOUBLE, allowNull: true },
        feedback: { type: DataTypes.TEXT, allowNull: true },
        gradedBy: { type: DataTypes.UUID, allowNull: true },
        gradedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'submissions' },
    );
    return Submission;
  }
}

/** A file handed in with an attempt. */
export class SubmissionFile extends Model<InferAttributes<SubmissionFile>, InferCreationAttributes<SubmissionFile>> {
  declare submissionId: string;
  declare fileId: string;
  declare position: CreationOptional<number>;

  static initModel(sequelize: Sequelize): typeof SubmissionFile {
    SubmissionFile.init(
      {
        submissionId: { type: DataTypes.UUID, primaryKey: true },
        fileId: { type: DataTypes.UUID, primaryKey: true },
        position: { type: DataTypes.SMALLINT, allowNull: false, defaultValue: 0 },
      },
      { sequelize, tableName: 'submission_files', timestamps: false },
    );
    return SubmissionFile;
  }
}

/** Every grade an attempt was ever given, so a regrade never loses the earlier one. */
export class SubmissionGrade extends Model<InferAttributes<SubmissionGrade>, InferCreationAttributes<SubmissionGrade>> {
  declare id: CreationOptional<string>;
  declare submissionId: string;
  declare grade: number | null;
  declare rawGrade: number | null;
  declare penaltyPercent: number;
  declare feedback: string | null;
  declare status: ReviewStatus;
  declare gradedBy: string | null;
  declare gradedAt: Date;

  static initModel(sequelize: Sequelize): typeof SubmissionGrade {
    SubmissionGrade.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        submissionId: { type: DataTypes.UUID, allowNull: false },
        grade: { type: DataTypes.DOUBLE, allowNull: true },
        rawGrade: { type: DataTypes.DOUBLE, allowNull: true },
        penaltyPercent: { type: DataTypes.DOUBLE, allowNull: false, defaultValue: 0 },
        feedback: { type: DataTypes.TEXT, allowNull: true },
        status: { type: DataTypes.STRING(16), allowNull: false },
        gradedBy: { type: DataTypes.UUID, allowNull: true },
        gradedAt: { type: DataTypes.DATE, allowNull: false },
      },
      { sequelize, tableName: 'submission_grades', timestamps: false },
    );
    return SubmissionGrade;
  }
}
