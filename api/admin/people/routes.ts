import type { RequestHandler } from 'express';
import type { ApiDeps } from '../../deps';
import { ApiRouter } from '../../http/router';
import { noFields, validate } from '../../http/validate';
import { Passwords } from '../../auth/passwords';
import { RefreshSessions } from '../../auth/sessions';
import { PeopleService } from './service';
import { peopleController } from './controller';
import * as s from './schemas';

/** Students (teachers: their classrooms; admins: all) and teachers (admins) — README.md#admin-people. */
export function peopleRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const service = new PeopleService({
    ...deps,
    passwords: new Passwords(deps.config.auth.bcryptCost),
    sessions: new RefreshSessions(deps.sequelize, deps.config, deps.revocation),
  });
  const st = peopleController(service, 'student');
  const t = peopleController(service, 'teacher');
  const staff: RequestHandler[] = [requireAuth, requireRole('teacher', 'admin')];
  const admin: RequestHandler[] = [requireAuth, requireRole('admin')];
  const byId = validate({ params: s.idParams });
  const action = validate({ params: s.idParams, body: noFields });

  return new ApiRouter('/api/v2/admin')
    .get('/students', ...staff, validate({ query: s.studentListQuery }), st.list)
    .post('/students', ...staff, validate({ body: s.createStudentBody }), st.create)
    .get('/students/:id', ...staff, byId, st.get)
    .patch('/students/:id', ...staff, validate({ params: s.idParams, body: s.updatePersonBody }), st.update)
    .delete('/students/:id', ...staff, action, st.remove)
    .post('/students/:id/restore', ...staff, action, st.restore)
    .post('/students/:id/suspend', ...staff, action, st.suspend)
    .post('/students/:id/unsuspend', ...staff, action, st.unsuspend)
    .post('/students/:id/reset-password', ...staff, validate({ params: s.idParams, body: s.resetPasswordBody }), st.resetPassword)
    .get('/teachers', ...admin, validate({ query: s.teacherListQuery }), t.list)
    .post('/teachers', ...admin, validate({ body: s.createTeacherBody }), t.create)
    .get('/teachers/:id', ...admin, byId, t.get)
    .patch('/teachers/:id', ...admin, validate({ params: s.idParams, body: s.updatePersonBody }), t.update)
    .delete('/teachers/:id', ...admin, action, t.remove)
    .post('/teachers/:id/restore', ...admin, action, t.restore)
    .post('/teachers/:id/suspend', ...admin, action, t.suspend)
    .post('/teachers/:id/unsuspend', ...admin, action, t.unsuspend)
    .post('/teachers/:id/reset-password', ...admin, validate({ params: s.idParams, body: s.resetPasswordBody }), t.resetPassword)
    .put('/teachers/:id/classrooms', ...admin, validate({ params: s.idParams, body: s.teacherClassroomsBody }), t.setClassrooms);
}
