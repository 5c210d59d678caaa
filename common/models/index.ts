import type { Sequelize } from 'sequelize';
import { User } from './user';
import { Classroom, ClassroomTeacher } from './classroom';
import { CodingTask } from './coding-task';
import { CodingTestCase } from './coding-test-case';
import { CodingSubmission } from './coding-submission';
import { CodingRun } from './coding-run';
import { CodingRejudge } from './coding-rejudge';
import { RefreshToken } from './refresh-token';
import { OneTimeToken } from './one-time-token';
import { Activity } from './activity';
import { AiEvaluation } from './ai-evaluation';
import { StoredFile } from './file';
import { Assignment } from './assignment';
import { Submission, SubmissionFile, SubmissionGrade } from './submission';
import { Announcement } from './announcement';
import { ContactMessage, ContactReply } from './contact';
import { GalleryItem } from './gallery-item';

export { User, Classroom, ClassroomTeacher };
export { CodingTask, CodingTestCase, CodingSubmission, CodingRun, CodingRejudge };
export * from './coding-task';
export * from './coding-test-case';
export * from './coding-submission';
export * from './coding-run';
export { RefreshToken, OneTimeToken, Activity };
export type { RevokeReason } from './refresh-token';
export type { OneTimePurpose } from './one-time-token';
export type { ActivityType } from './activity';
export * from './ai-evaluation';
export type { Role, UserStatus, PublicUser } from './user';
export { ROLES } from './user';
export { StoredFile };
export type { FileStatus, FileMetadata, ArchiveEntry, StorageDriverName, ImageVariant } from './file';
export { FILE_STATUSES, STORAGE_DRIVERS } from './file';
export { Assignment, Submission, SubmissionFile, SubmissionGrade };
export type { AssignmentKind, AssignmentStatus } from './assignment';
export { ASSIGNMENT_KINDS, ASSIGNMENT_STATUSES } from './assignment';
export type { SubmissionStatus, ReviewStatus } from './submission';
export { SUBMISSION_STATUSES, REVIEW_STATUSES } from './submission';
export { Announcement };
export type { AnnouncementCategory } from './announcement';
export { ANNOUNCEMENT_CATEGORIES } from './announcement';
export { ContactMessage, ContactReply };
export type { ContactStatus } from './contact';
export { CONTACT_STATUSES } from './contact';
export { GalleryItem };

/**
 * Binds every model to one Sequelize instance and wires the associations. Each feature adds its
 * models here: one `initModel` line and, when it has any, its associations below.
 */
export function initModels(sequelize: Sequelize): void {
  User.initModel(sequelize);
  Classroom.initModel(sequelize);
  ClassroomTeacher.initModel(sequelize);
  CodingTask.initModel(sequelize);
  CodingTestCase.initModel(sequelize);
  CodingSubmission.initModel(sequelize);
  CodingRun.initModel(sequelize);
  CodingRejudge.initModel(sequelize);
  RefreshToken.initModel(sequelize);
  OneTimeToken.initModel(sequelize);
  Activity.initModel(sequelize);
  AiEvaluation.initModel(sequelize);
  StoredFile.initModel(sequelize);
  Assignment.initModel(sequelize);
  Submission.initModel(sequelize);
  SubmissionFile.initModel(sequelize);
  SubmissionGrade.initModel(sequelize);
  Announcement.initModel(sequelize);
  ContactMessage.initModel(sequelize);
  ContactReply.initModel(sequelize);
  GalleryItem.initModel(sequelize);

  Classroom.hasMany(User, { foreignKey: 'classroomId', as: 'students' });
  User.belongsTo(Classroom, { foreignKey: 'classroomId', as: 'classroom' });
  Classroom.belongsToMany(User, { through: ClassroomTeacher, foreignKey: 'classroomId', otherKey: 'teacherId', as: 'teachers' });
  User.belongsToMany(Classroom, { through: ClassroomTeacher, foreignKey: 'teacherId', otherKey: 'classroomId', as: 'taughtClassrooms' });
  CodingTask.hasMany(CodingTestCase, { foreignKey: 'taskId', as: 'tests' });
  CodingTestCase.belongsTo(CodingTask, { foreignKey: 'taskId', as: 'task' });
  StoredFile.belongsTo(User, { foreignKey: 'ownerId', as: 'owner' });

  Assignment.hasMany(Submission, { foreignKey: 'assignmentId', as: 'submissions' });
  Submission.belongsTo(Assignment, { foreignKey: 'assignmentId', as: 'assignment' });
  Submission.belongsTo(User, { foreignKey: 'studentId', as: 'student' });
  Submission.hasMany(SubmissionFile, { foreignKey: 'submissionId', as: 'fileLinks' });
  Submission.hasMany(SubmissionGrade, { foreignKey: 'submissionId', as: 'gradeHistory' });
  ContactMessage.hasMany(ContactReply, { foreignKey: 'contactId', as: 'replies' });
  GalleryItem.belongsTo(StoredFile, { foreignKey: 'fileId', as: 'file' });
}
