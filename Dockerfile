# syntax=docker/dockerfile:1
# One image for both process types (web and worker); the Procfile / compose picks the command.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# libseccomp-dev: `npm run build` compiles the sandbox supervisor and writes its seccomp filter (worker/sandbox/bwrap/*.c)
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ libseccomp-dev && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY worker ./worker
COPY common ./common
COPY migrations ./migrations
COPY scripts ./scripts
# tsc, then one esbuild bundle per process over its entry file (scripts/bundle.ts: the commands below stay
# the same), then the sandbox helpers; the packages the bundles leave out are production dependencies
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
# bubblewrap and the toolchains the grading sandbox runs student code with; Chromium for the web-checks worker
# (it runs as the unprivileged `node` user with its own sandbox on: see README.md#web-lab for the seccomp note)
RUN apt-get update && apt-get install -y --no-install-recommends \
      bubblewrap python3 gcc g++ libc6-dev openjdk-17-jdk-headless tini chromium \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
# dist/worker/sandbox/bwrap/native holds gema-run and seccomp.bpf, built above: the runtime needs no compiler for them
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY docs/openapi ./docs/openapi
# var/uploads exists in the image, owned by `node`, so the compose `uploads` volume starts out writable by the API
RUN mkdir -p var/uploads var/mail && chown -R node:node var
# The web process runs as `node`. The worker must run as root (compose `user: "0"`, Kubernetes
# runAsUser: 0) in a container with a writable, delegated cgroup and user namespaces: it creates a
# control group per sandbox and drops every sandboxed process to uid 65534 (README.md#isolation-levels).
USER node
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
# heap flags: common/runtime/heap-flags.ts says why (the worker's command carries them too)
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=256", "dist/api/server.js"]
