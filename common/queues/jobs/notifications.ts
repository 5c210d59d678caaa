import type { NotificationInput } from '../../notifications/create';

/** Who a fan-out reaches: a classroom's students (and optionally its teachers), everyone, or a list. */
export type NotificationAudience =
  | { kind: 'classroom'; classroomId: string; teachers?: boolean }
  /** everyone, or only the roles named */
  | { kind: 'school'; roles?: Array<'student' | 'teacher' | 'admin'> }
  | { kind: 'users'; userIds: string[] };

/**
 * `fanout` stores one notification per member of the audience, in batches; `deadlines` (a BullMQ job
 * scheduler) reminds students of published assignments due within 24 hours they have not handed in.
 */
export type NotificationJob = { kind: 'fanout'; audience: NotificationAudience; notification: NotificationInput } | { kind: 'deadlines' };
