/**
 * Email jobs name a template and a user, never a secret: the worker mints any one-time token
 * itself, so nothing that could be replayed sits in Redis.
 */
export interface EmailJob {
  template: string;
  userId?: string;
  to?: string;
  params?: Record<string, string>;
}
