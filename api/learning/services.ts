import type { ApiDeps } from '../deps';
import { StudentAssignmentService } from './assignment-service';
import { SubmissionService } from './submission-service';
import { SubmissionLinks } from './submission-links';
import { fileServiceGateway, type SubmissionFileGateway } from './submission-files';
import { FileService } from '../files/service';
import { submissionUploadCap } from './upload-cap';

/** The learning services, built once per app and shared by the tutorial, admin and student routers. */
export interface LearningServices {
  files: SubmissionFileGateway;
  links: SubmissionLinks;
  studentAssignments: StudentAssignmentService;
  submissions: SubmissionService;
}

export function createLearningServices(deps: ApiDeps, files: SubmissionFileGateway = fileServiceGateway(new FileService(deps), submissionUploadCap(deps.sequelize))): LearningServices {
  const links = new SubmissionLinks(files);
  return {
    files,
    links,
    studentAssignments: new StudentAssignmentService(deps.sequelize, links),
    submissions: new SubmissionService(deps.sequelize, files, links, deps.realtime),
  };
}
