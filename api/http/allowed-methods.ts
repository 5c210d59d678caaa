import { match } from 'path-to-regexp';
import type { RouteEntry } from './router';

/**
 * The methods the app serves on a path, for a 405's `Allow` header: matched as the routers match
 * (case-sensitively, a trailing slash allowed), HEAD wherever GET is served.
 */
export function allowedMethods(routes: readonly RouteEntry[]): (path: string) => string[] {
  const byPath = new Map<string, Set<string>>();
  for (const r of routes) {
    const methods = byPath.get(r.path) ?? new Set<string>();
    methods.add(r.method.toUpperCase());
    if (r.method === 'get') methods.add('HEAD');
    byPath.set(r.path, methods);
  }
  const matchers = [...byPath].map(([path, methods]) => ({
    matches: match(path, { sensitive: true, trailing: true, decode: false }),
    methods,
  }));
  return (path) => {
    const found = new Set<string>();
    for (const m of matchers) if (m.matches(path)) for (const method of m.methods) found.add(method);
    return [...found].sort();
  };
}
