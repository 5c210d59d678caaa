import { WebRecheck } from '../../common/models';
import { enqueue } from '../../common/queues';
import { webRecheckJobId } from '../../common/queues/jobs/web-checks';
import type { ApiDeps } from '../deps';
import type { Actor } from '../access/classrooms';
import { findManageableAssignment, findReadableRecheck } from './access';

export function presentRecheck(r: WebRecheck) {
  return { id: r.id, assignmentId: r.assignmentId, status: r.status, total: r.total, done: r.done, createdAt: r.createdAt, finishedAt: r.finishedAt };
}

/** Re-checks every project's latest version of an assignment as one job with progress, like the coding lab's rejudge. */
export class WebRecheckService {
  constructor(private readonly deps: Pick<ApiDeps, 'queues'>) {}

  async start(user: Actor, assignmentId: string) {
    const a = await findManageableAssignment(user, assignmentId);
    const recheck = await WebRecheck.create({ assignmentId: a.id, requestedBy: user.id });
    await enqueue(this.deps.queues, 'web-checks', { kind: 'recheck', recheckId: recheck.id }, { jobId: webRecheckJobId(recheck.id) });
    return presentRecheck(recheck);
  }

  async get(user: Actor, id: string) {
    return presentRecheck(await findReadableRecheck(user, id));
  }
}
