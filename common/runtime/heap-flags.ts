/**
 * V8 heap flags every long-running process starts with (`npm start`'s children, `npm run
 * start:web`/`start:worker`, the Procfile, the Dockerfile and the Kubernetes manifests carry the same
 * list; test/unit/heap-flags.test.ts keeps them in step). Node sizes its young generation from the
 * machine's memory (64 MB per semi-space on a 24 GB host, growing under allocation), so a busy API
 * promoted short-lived objects into an old generation that only a full GC emptied, and held ~430 MB.
 * An 8 MB semi-space keeps scavenges cheap and frequent (16 MB held ~15 MB more under load, the bare
 * node:http ceiling included, for no CPU per request that paired runs could tell apart: bench/README.md);
 * the old-space cap is a ceiling well above the
 * live heap (~35 MB idle, measured by bench/soak.ts) that makes V8 collect before the pod limit, not
 * a working size (a cap near the live heap turns every GC into a full one).
 */
export const HEAP_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=256'] as const;
