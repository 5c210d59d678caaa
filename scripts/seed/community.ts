import type { Transaction } from 'sequelize';
import { ChatConversation, ChatMember, ChatMessage, DiscussionReply, DiscussionThread, Notification } from '../../common/models';
import { renderMarkdown } from '../../common/text/markdown';
import type { DemoAccounts } from './accounts';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/**
 * Notifications, chat and the forum of the demo school (README.md#notifications, #chat,
 * #discussion-forum): the first classroom's channel, a student ↔ teacher conversation, an open
 * support request, a pinned school-wide thread and a classroom question with an accepted answer, and
 * two notifications (one unread) for the first student.
 */
export async function seedCommunity(a: DemoAccounts, transaction: Transaction) {
  const [classroom] = a.classrooms;
  const [teacher] = a.teachers;
  const [ayu, budi] = a.students;
  if (!classroom || !teacher || !ayu || !budi) return;
  const message = (conversationId: string, authorId: string, body: string, at: Date) =>
    ChatMessage.create(
      { conversationId, authorId, body, bodyHtml: renderMarkdown(body), editedAt: null, deletedAt: null, createdAt: at },
      { transaction },
    );

  const channel = await ChatConversation.create(
    {
      kind: 'classroom',
      classroomId: classroom.id,
      directKey: null,
      subject: null,
      status: null,
      priority: null,
      assigneeId: null,
      createdBy: teacher.id,
      lastMessageAt: minutesAgo(30),
    },
    { transaction },
  );
  await message(channel.id, teacher.id, 'Selamat datang! Post questions about **this week’s lab** here.', minutesAgo(60));
  await message(channel.id, budi.id, 'Is the deadline for *Loops* on Friday?', minutesAgo(30));

  const direct = await ChatConversation.create(
    {
      kind: 'direct',
      classroomId: null,
      directKey: [ayu.id, teacher.id].sort().join(':'),
      subject: null,
      status: null,
      priority: null,
      assigneeId: null,
      createdBy: ayu.id,
      lastMessageAt: minutesAgo(10),
    },
    { transaction },
  );
  await ChatMember.bulkCreate(
    [
      { conversationId: direct.id, userId: ayu.id, lastReadAt: minutesAgo(10) },
      { conversationId: direct.id, userId: teacher.id, lastReadAt: null },
    ],
    { transaction },
  );
  await message(direct.id, ayu.id, 'Bu, could you look at my `fizzbuzz` submission?', minutesAgo(10));

  const support = await ChatConversation.create(
    {
      kind: 'support',
      classroomId: null,
      directKey: null,
      subject: 'Cannot upload my project',
      status: 'open',
      priority: 'normal',
      assigneeId: null,
      createdBy: budi.id,
      lastMessageAt: minutesAgo(5),
    },
    { transaction },
  );
  await ChatMember.create({ conversationId: support.id, userId: budi.id, lastReadAt: minutesAgo(5) }, { transaction });
  await message(support.id, budi.id, 'The upload stops at 90 %. The zip is 12 MB.', minutesAgo(5));

  const welcomeBody = 'Ask anything about the lessons here. Be kind, and put code in ``` blocks.';
  await DiscussionThread.create(
    {
      authorId: a.admin.id,
      classroomId: null,
      title: 'Welcome to the GEMA forum',
      body: welcomeBody,
      bodyHtml: renderMarkdown(welcomeBody),
      tags: ['announcement'],
      pinned: true,
      lastActivityAt: minutesAgo(120),
    },
    { transaction },
  );
  const questionBody = 'My loop prints 0 to 9 but I need 1 to 10:\n\n```python\nfor i in range(10):\n    print(i)\n```';
  const question = await DiscussionThread.create(
    {
      authorId: ayu.id,
      classroomId: classroom.id,
      title: 'range() starts at 0?',
      body: questionBody,
      bodyHtml: renderMarkdown(questionBody),
      tags: ['python', 'loops'],
      lastActivityAt: minutesAgo(40),
      replyCount: 1,
    },
    { transaction },
  );
  const answerBody = 'Use `range(1, 11)`: the end is not included.';
  const answer = await DiscussionReply.create(
    { threadId: question.id, authorId: teacher.id, replyTo: null, body: answerBody, bodyHtml: renderMarkdown(answerBody), createdAt: minutesAgo(40) },
    { transaction },
  );
  await question.update({ acceptedReplyId: answer.id }, { transaction });

  await Notification.bulkCreate(
    [
      {
        userId: ayu.id,
        type: 'discussion.reply',
        title: `${teacher.name} replied in "range() starts at 0?"`,
        body: answerBody,
        link: `/discussion/threads/${question.id}#reply-${answer.id}`,
        data: { threadId: question.id, replyId: answer.id },
        dedupeKey: `reply:${answer.id}`,
        readAt: null,
      },
      {
        userId: ayu.id,
        type: 'announcement',
        title: 'Welcome to GEMA',
        body: 'Your classroom channel and the forum are open.',
        link: '/discussion',
        data: {},
        dedupeKey: 'seed:welcome',
        readAt: minutesAgo(100),
      },
    ],
    { transaction },
  );
}
