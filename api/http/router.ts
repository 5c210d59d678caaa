import express, { type RequestHandler, type Router } from 'express';
import { noBody, noQuery, validatedParts } from './validate';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteEntry {
  method: HttpMethod;
  /** Full Express-style path, e.g. `/api/v2/files/:id`. */
  path: string;
}

/**
 * An Express router that remembers what it registered, so the OpenAPI agreement test can compare
 * the routes the app really serves with the document, with no list kept by hand.
 */
export class ApiRouter {
  readonly router: Router = express.Router({ strict: false, caseSensitive: true });
  readonly routes: RouteEntry[] = [];

  /** @param prefix the full mount path, e.g. `/api/v2/auth`, or empty for routes at the root. */
  constructor(readonly prefix: string) {}

  /**
   * Every body, query and param is validated: a route with path parameters must bring its params
   * schema (a missing one is a programming error, caught at start-up), and a route that validates no
   * query, or a write that validates no body, gets a check refusing any, placed just before its last
   * handler so authentication still answers first.
   */
  private add(method: HttpMethod, path: string, handlers: RequestHandler[]): this {
    const fullPath = `${this.prefix}${path === '/' && this.prefix ? '' : path}`;
    const parts = validatedParts(handlers);
    if (path.includes(':') && !parts.has('params')) {
      throw new Error(`${method.toUpperCase()} ${fullPath} has path parameters but no params schema`);
    }
    const guards = [...(parts.has('query') ? [] : [noQuery]), ...(method === 'get' || parts.has('body') ? [] : [noBody])];
    const last = handlers.length - 1;
    this.routes.push({ method, path: fullPath });
    this.router[method](path, ...handlers.slice(0, last), ...guards, ...handlers.slice(last));
    return this;
  }

  get(path: string, ...handlers: RequestHandler[]) {
    return this.add('get', path, handlers);
  }
  post(path: string, ...handlers: RequestHandler[]) {
    return this.add('post', path, handlers);
  }
  put(path: string, ...handlers: RequestHandler[]) {
    return this.add('put', path, handlers);
  }
  patch(path: string, ...handlers: RequestHandler[]) {
    return this.add('patch', path, handlers);
  }
  delete(path: string, ...handlers: RequestHandler[]) {
    return this.add('delete', path, handlers);
  }
}
