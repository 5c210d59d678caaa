/**
 * The boundaries of docs/architecture.md, checked on every `npm run lint` (and so every `npm test`).
 * Each rule's comment is the message printed when it is broken: say why, not only what.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'api-not-to-worker',
      comment:
        'api/ must not import worker/: the web process enqueues jobs and never runs them, and it must start without the sandbox. Put what both need in common/.',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^worker/' },
    },
    {
      name: 'worker-not-to-api',
      comment:
        'worker/ must not import api/: the worker has no HTTP layer and must not pull in Express, auth or controllers. Put what both need in common/.',
      severity: 'error',
      from: { path: '^worker/' },
      to: { path: '^api/' },
    },
    {
      name: 'common-not-to-api-or-worker',
      comment:
        'common/ is what api/ and worker/ share, so it imports neither: a common module that needs one of them belongs in that process, or the shared part moves down into common/.',
      severity: 'error',
      from: { path: '^common/' },
      to: { path: '^(api|worker)/' },
    },
    {
      name: 'services-no-http',
      comment:
        'Services know no HTTP (routes -> controllers -> services -> models): a service must not import api/http/ or Express. Take plain values, throw typed errors from common/errors.ts; paging is in common/paging.ts, LIKE escaping in common/sql/like.ts, the queue-depth guard in common/queues/depth-guard.ts.',
      severity: 'error',
      from: { path: '(^api/.*/service\\.ts$)|(-service\\.ts$)|(/services/)' },
      to: { path: '(^api/http/)|(node_modules/(@types/)?express(-serve-static-core)?/)' },
    },
    {
      name: 'test-not-imported-by-code',
      comment:
        'test/ holds specifications and their helpers; code that runs in production (api/, worker/, common/, scripts/, migrations/, bench/) must not depend on it. Move what production needs out of test/.',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|var)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
