import type { Socket } from 'socket.io';
import { ChatConversation } from '../../common/models';
import { rooms } from '../../common/realtime/events';
import type { AuthUser } from '../auth/middleware';
import type { SocketHandler } from '../realtime/socket-server';
import { mayRead, participantIds } from './access';

interface TypingRequest {
  conversationId?: unknown;
  typing?: unknown;
}

/** A typing indicator is worth this little: a socket's access answers are reused for a minute. */
const ACCESS_TTL_MS = 60_000;

/**
 * `chat:typing { conversationId, typing }` from a socket goes to the conversation's other
 * participants as `chat:typing { conversationId, userId, name, typing }`. Never stored; a socket
 * that may not read the conversation is ignored.
 */
export const chatTyping: SocketHandler = (socket: Socket, user: AuthUser) => {
  const allowed = new Map<string, { rooms: string[] | null; until: number }>();
  socket.on('chat:typing', async (request: TypingRequest) => {
    const conversationId = typeof request?.conversationId === 'string' ? request.conversationId : '';
    if (!/^[0-9a-f-]{36}$/i.test(conversationId)) return;
    let entry = allowed.get(conversationId);
    if (!entry || entry.until < Date.now()) {
      try {
        const c = await ChatConversation.findByPk(conversationId);
        const ok = c ? await mayRead({ id: user.id, role: user.role }, c) : false;
        const targets =
          !ok || !c
            ? null
            : c.kind === 'classroom'
              ? [rooms.classroom(c.classroomId!), rooms.classroomTeachers(c.classroomId!)]
              : (await participantIds(c)).map(rooms.user);
        entry = { rooms: targets, until: Date.now() + ACCESS_TTL_MS };
        allowed.set(conversationId, entry);
      } catch {
        // a database hiccup costs one typing indicator, never the process (this listener's promise is not awaited)
        return;
      }
    }
    if (!entry.rooms) return;
    // to everyone in those rooms but this socket
    socket.to(entry.rooms).emit('chat:typing', { conversationId, userId: user.id, name: user.name, typing: request.typing === true });
  });
};
