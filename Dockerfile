# One image for every function; each Knative Service chooses its function with its command,
# e.g. `node dist/bundle/start.cjs task-intake` (see knative/functions.yaml): the function's
# esbuild bundle, loaded with the V8 code cache written at build time (scripts/bundle.mjs;
# figures in bench/RESULTS.md "Cold start").
#   docker build -t <registry>/dendrite:<tag> .

# Build: all dependencies (TypeScript, esbuild), type-check and compile, bundle, keep only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY shared ./shared
COPY functions ./functions
COPY scripts ./scripts
# The bundle step generates task-submit's Task validator from crds/task.yaml (scripts/task-schema.mjs);
# task-submit reads the CRD as it starts (the code cache step starts it too).
COPY crds ./crds
RUN npx tsc -p tsconfig.json
# The bundles and their code caches (each function is started once, until its modules load).
RUN node scripts/bundle.mjs

# Run: production dependencies only, the compiled code, a numeric non-root user (so the
# kubelet can verify runAsNonRoot), nothing written at run time.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/bundle ./dist/bundle
# task-submit checks submitted Tasks against the CRD's own schema: with the validator generated
# from this same file by the build, or, should the file differ, compiled from it at start.
COPY crds ./crds
# The node image's "node" user.
USER 1000:1000
EXPOSE 8080
# node itself is PID 1 and handles SIGTERM: stop accepting, finish in-flight events, close Redis.
CMD ["node", "dist/bundle/start.cjs", "task-intake"]
