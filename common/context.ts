import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
  userId?: string;
}

/** Carries the request id (and later the user) into every log line written while serving a request or job. */
export const requestContext = new AsyncLocalStorage<RequestContext>();
