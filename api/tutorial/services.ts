import type { ApiDeps } from '../deps';
import { LearningScope } from './scope';
import { StudentAssignmentService } from './assignment-service';
import { SubmissionService } from './submission-service';
import { SubmissionLinks } from './submission-links';
import { fileServiceGateway, type SubmissionFileGateway } from './submission-files';
import { FileService } from '../files/service';
import { submissionUploadCap } from './upload-cap';

/** The learning services, built once per app and shared by the tutorial, admin and student routers. */
export interface LearningServices {
  scope: LearningScope;
  files: SubmissionFileGateway;
  links: SubmissionLinks;
  studentAssignments: StudentAssignmentService;
  submissions: SubmissionService;
}

export function createLearningServices(deps: ApiDeps, files: SubmissionFileGateway = fileServiceGateway(new FileService(deps), submissionUploadCap(deps.sequelize))): LearningServices {
  const scope = new LearningScope(deps.sequelize);
  const links = new SubmissionLinks(files);
  return {
    scope,
    files,
    links,
    studentAssignments: new StudentAssignmentService(deps.sequelize, links, scope),
    submissions: new SubmissionService(deps.sequelize, scope, files, links, deps.realtime),
  };
}
