import { Children } from './children';

/**
 * Imported by scripts/start.ts right after the Node version check, so that the API is spawned before
 * the rest of the supervisor (the config and its joi schema, pg, Redis) is even evaluated: the API's
 * start is the longest step of `npm start`, and it waits at its gate until the supervisor has checked
 * the database (common/runtime/start-gate.ts). A start that fails from here on stops it (`abandon`).
 */
export const children = new Children();
export const api = children.start('api', 'api/server', true);
