import type { Socket } from 'socket.io';
import { ChatConversation } from '../../common/models';
import { rooms } from '../../common/realtime/events';
import { socketUser } from '../realtime/socket-data';
import { mayRead, participantIds } from './access';

interface TypingRequest {
  conversationId?: unknown;
  typing?: unknown;
}

/** A typing indicator is worth this little: a socket's access answers are reused for a minute. */
const ACCESS_TTL_MS = 60_000;

interface Access {
  /** the rooms the indicator goes to; null when the socket may not read the conversation */
  rooms: string[] | null;
  until: number;
}

/**
 * Each socket's access answers, by conversation, made at its first `chat:typing`: most sockets never
 * send one, and a map made on connect was ~200 bytes of each of 10,000 sockets. Weak, so it goes
 * with its socket.
 */
const accessOf = new WeakMap<Socket, Map<string, Access>>();

/**
 * `chat:typing { conversationId, typing }` from a socket goes to the conversation's other
 * participants as `chat:typing { conversationId, userId, name, typing }`. Never stored; a socket
 * that may not read the conversation is ignored. One listener for every socket (`this` is the
 * socket: api/realtime/socket-server.ts SocketHandlers).
 */
export async function chatTyping(this: Socket, request: TypingRequest): Promise<void> {
  const conversationId = typeof request?.conversationId === 'string' ? request.conversationId : '';
  if (!/^[0-9a-f-]{36}$/i.test(conversationId)) return;
  const user = socketUser(this);
  let allowed = accessOf.get(this);
  let entry = allowed?.get(conversationId);
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
      // looked up again: another indicator of this socket may have made the map meanwhile
      allowed = accessOf.get(this);
      if (!allowed) accessOf.set(this, (allowed = new Map()));
      allowed.set(conversationId, entry);
    } catch {
      // a database hiccup costs one typing indicator, never the process (this listener's promise is not awaited)
      return;
    }
  }
  if (!entry.rooms) return;
  // to everyone in those rooms but this socket
  this.to(entry.rooms).emit('chat:typing', { conversationId, userId: user.id, name: user.name, typing: request.typing === true });
}
