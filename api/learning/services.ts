import type { ApiDeps } from '../deps';
import { StudentAssignmentService } from './assignments/student-service';
import { SubmissionService } from './submissions/service';
import { SubmissionLinks } from './submissions/links';
import { fileServiceGateway, type SubmissionFileGateway } from './submissions/files';
import { FileService } from '../files/service';
import { submissionUploadCap } from './submissions/upload-cap';
import { StudentPageCache } from './student-cache';

/** The learning services, built once per app and shared by the assignment, submission and grading routers. */
export interface LearningServices {
  files: SubmissionFileGateway;
  links: SubmissionLinks;
  studentAssignments: StudentAssignmentService;
  submissions: SubmissionService;
  /** the dashboard's and the assignment list's cache: one per process, so one memory bound for both */
  pages: StudentPageCache;
}

export function createLearningServices(
  deps: ApiDeps,
  files: SubmissionFileGateway = fileServiceGateway(new FileService(deps), submissionUploadCap(deps.sequelize)),
): LearningServices {
  const links = new SubmissionLinks(files);
  return {
    files,
    links,
    studentAssignments: new StudentAssignmentService(deps.sequelize, links),
    submissions: new SubmissionService(deps.sequelize, files, links, deps.realtime),
    pages: new StudentPageCache(
      deps.redis,
      deps.config.redis.prefix,
      deps.config.site.studentCacheSeconds,
      deps.config.site.studentCacheMemoryBytes,
      deps.config.metricsEnabled ? deps.metrics : undefined,
    ),
  };
}
