import { expect } from 'chai';
import { testWorkerDeps } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { connectClient, nextEvent, startLiveServer, type LiveServer } from '../support/realtime';
import { rooms } from '../../common/realtime/events';

const tokenOf = (u: Parameters<typeof bearer>[0]) => bearer(u).Authorization.slice(7);

describe('Socket.IO classroom room for students', function () {
  this.timeout(10_000);
  let live: LiveServer;
  before(async () => {
    live = await startLiveServer();
  });
  after(async () => live.close());

  it("puts a student's socket in classroom:<id> of their classroom at the handshake, and nobody else's", async () => {
    const school = await createSchool();
    const student = await connectClient(live.url, tokenOf(school.student));
    const outsider = await connectClient(live.url, tokenOf(school.outsider));
    try {
      let outsiderHeard = false;
      outsider.on('notification:new', (n: { id: string }) => {
        if (n.id === 'class') outsiderHeard = true;
      });
      const heard = nextEvent<{ id: string }>(student, 'notification:new');
      testWorkerDeps().realtime.publish(rooms.classroom(school.classroom.id), 'notification:new', { id: 'class', type: 't', title: 'x' });
      expect((await heard).id).to.equal('class');
      // a marker to the outsider's own room proves the classroom event would have arrived first
      const marker = nextEvent(outsider, 'notification:new');
      testWorkerDeps().realtime.publish(rooms.user(school.outsider.id), 'notification:new', { id: 'marker', type: 't', title: 'm' });
      await marker;
      expect(outsiderHeard).to.equal(false);
    } finally {
      student.close();
      outsider.close();
    }
  });
});
