import crypto from 'node:crypto';
import { expect } from 'chai';
import {
  findManageableAssignment,
  findReadableRecheck,
  findReadableVersion,
  findReviewableVersion,
  findViewableAssignment,
} from '../../api/web-lab/access';
import { webRecheckRoom, webVersionRoom } from '../../api/web-lab/room-authorizers';
import type { AuthUser } from '../../api/auth/middleware';

const admin = { id: crypto.randomUUID(), role: 'admin' } as AuthUser;
const status = (p: Promise<unknown>) =>
  p.then(
    () => 'found',
    (e: { status?: number }) => e.status,
  );

// socket clients name rooms with any text, so the lookups take ids no route validated
describe('Web lab lookups by an id that is not a UUID', () => {
  it('find no assignment to view', async () => {
    expect(await status(findViewableAssignment(admin, 'index.html'))).to.equal(404);
  });

  it('find no assignment to manage', async () => {
    expect(await status(findManageableAssignment(admin, '1 OR 1=1'))).to.equal(404);
  });

  it('find no version to read', async () => {
    expect(await status(findReadableVersion(admin, 'latest'))).to.equal(404);
  });

  it('find no version to review', async () => {
    expect(await status(findReviewableVersion(admin, ''))).to.equal(404);
  });

  it('find no recheck', async () => {
    expect(await status(findReadableRecheck(admin, '42'))).to.equal(404);
  });

  it('let nobody join the room of such a version', async () => {
    expect(await webVersionRoom(admin, 'latest')).to.equal(false);
  });

  it('let nobody join the room of such a recheck', async () => {
    expect(await webRecheckRoom(admin, 'latest')).to.equal(false);
  });
});
