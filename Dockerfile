# The kong-fleet controller image that deploy/controller.yaml runs (ghcr.io/kong-fleet/kong-fleet).
#   docker build -t ghcr.io/kong-fleet/kong-fleet:0.1.0 .
# Development and tests run the TypeScript sources directly (type stripping); the image runs them compiled
# to JavaScript by tsc (scripts/image/build-tree.ts says why: type stripping keeps a 17 MiB WebAssembly
# parser resident). Only the runtime folders are compiled; tests, scripts, docs and dev dependencies stay out.
# The validator comes from the workspace package packages/kong-dbless (linked by npm ci).

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace package (the Kong validator the controller runs) must be known to npm ci.
COPY packages/kong-dbless/package.json ./packages/kong-dbless/package.json
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim AS compiled
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.image.json ./
COPY packages/kong-dbless/package.json ./packages/kong-dbless/package.json
# Dev dependencies too: tsc does the compiling.
RUN npm ci --no-audit --no-fund
COPY packages/kong-dbless/src ./packages/kong-dbless/src
COPY lib ./lib
COPY domain ./domain
COPY workers ./workers
COPY jobs ./jobs
COPY queue ./queue
COPY kong ./kong
COPY k8s ./k8s
COPY scripts/image ./scripts/image
RUN node scripts/image/build-tree.ts /app

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# glibc's malloc keeps an arena per thread that allocates; with two the controller sat ~7 MiB lower in a
# 100-proxy soak, at the same CPU (scripts/bench/controller-stack.ts reads this ENV and the ENTRYPOINT).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
# Owned by root and not writable by the process: the code cannot be changed at run time, and the
# Deployment mounts the root filesystem read-only anyway.
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=compiled /app ./
# The image's `node` user, by number so that runAsNonRoot can verify it without resolving names.
USER 1000:1000
# /healthz, /readyz, /metrics, /queues (Bull Board), /api.
EXPOSE 8080
# Node is PID 1: `kong-fleet run` handles SIGTERM and SIGINT itself (graceful shutdown).
# Heap sizing: on a large node V8 lets the heap grow to hundreds of MiB of garbage before collecting (a
# 100-proxy soak sat at 600 MiB RSS with a 100 MiB live heap); a small young generation and a 256 MiB old
# generation bound that. Configs of thousands of objects need more: raise --max-old-space-size (args/command)
# in step with the container's memory limit.
# No --optimize-for-size (nor early code flushing): it saved ~25 MiB at 100 proxies but cost the controller 1.6x
# the CPU per config change (`convergence --proxies 100 --changes 20 --burst 0`, 2026-12-07: 446-507 CPU ms per
# change with it, 281-295 without; p50 291-391 ms vs 263-295; peak RSS 170-185 vs 199-205 MiB), and on a shared
# machine the CPU is what converging a fleet waits for. A small-memory install can add the three flags back:
# --optimize-for-size --flush-baseline-code --bytecode-old-age=2.
# scripts/bench/controller-stack.ts starts the benchmarks' controller with this ENTRYPOINT and ENV.
ENTRYPOINT ["node", "--max-semi-space-size=2", "--max-old-space-size=256", "workers/main.js"]
CMD ["run"]
