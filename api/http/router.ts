import express, { type RequestHandler, type Router } from 'express';

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
  readonly router: Router = express.Router({ strict: false });
  readonly routes: RouteEntry[] = [];

  /** @param prefix the full mount path, e.g. `/api/v2/auth`, or empty for routes at the root. */
  constructor(readonly prefix: string) {}

  private add(method: HttpMethod, path: string, handlers: RequestHandler[]): this {
    this.routes.push({ method, path: `${this.prefix}${path === '/' && this.prefix ? '' : path}` });
    this.router[method](path, ...handlers);
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
