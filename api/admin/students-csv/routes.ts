import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { validate } from '../../http/validate';
import { Passwords } from '../../auth/passwords';
import { StudentImportService } from './import-service';
import { ExportService } from './export-service';
import { csvUpload, studentsCsvController } from './controller';
import * as s from './schemas';

/**
 * Student CSV import and CSV exports (README.md#admin-bulk-import-and-export). Mounted before the
 * people routes, so `/students/export` is not taken for `/students/:id`.
 */
export function studentsCsvRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const c = studentsCsvController(
    new StudentImportService({ ...deps, passwords: new Passwords(deps.config.auth.bcryptCost) }),
    new ExportService(deps.sequelize),
  );
  const staff = [requireAuth, requireRole('teacher', 'admin')];
  return new ApiRouter('/api/v2/admin')
    .post(
      '/students/import',
      ...staff,
      csvUpload(deps.config.studentImport.maxBytes),
      validate({ query: s.importQuery, body: s.importBody }),
      c.importStudents,
    )
    .get('/students/imports/:id', ...staff, validate({ params: s.importParams }), c.importStatus)
    .get('/students/export', ...staff, validate({ query: s.studentExportQuery }), c.exportStudents)
    .get('/grades/export', ...staff, validate({ query: s.gradeExportQuery }), c.exportGrades);
}
