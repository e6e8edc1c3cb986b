# syntax=docker/dockerfile:1
#
# Gatehouse: compile the TypeScript in a build stage, then run the compiled server on a
# slim image with production dependencies only, as the unprivileged `node` user.
#
#   docker build -t gatehouse .
#   docker compose up -d          # with Redis; see docker-compose.yml for what to provide
#   docker compose -f docker-compose.demo.yml up   # a local trial: the seeded demo on localhost
#
# The image holds no production configuration of its own: give it GATEHOUSE_CONFIG (a mounted
# production config; config/gatehouse.example.json is the template), GATEHOUSE_KEYS
# (a mounted private JWKS), GATEHOUSE_ISSUER, REDIS_URL and the secrets the config names.
# NODE_ENV=production makes it refuse the memory store, generated keys, dev secrets, a seed
# and an http issuer. docs/operating.md's "Docker" section makes each of these, step by step.
# The dev config and the demo tenant app are in it for the local trial only (development
# mode: docker-compose.demo.yml).

# ---- build ------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app

# Dependencies first: this layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
COPY packages/rp/package.json ./packages/rp/
RUN npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY packages/rp/tsconfig.json ./packages/rp/
COPY packages/rp/src ./packages/rp/src
COPY src ./src
COPY examples ./examples
# The RP kit (packages/rp -> packages/rp/dist), then the server and the CLI (-> dist/src)
RUN npm run build

# The passkey pages load @simplewebauthn/browser's bundle from /static. That package is a
# devDependency, absent from the runtime stage; src/http/static.ts then serves this copy.
RUN mkdir -p vendor \
 && cp node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js vendor/simplewebauthn-browser.js

# ---- runtime ----------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app

COPY package.json package-lock.json ./
COPY packages/rp/package.json ./packages/rp/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Templates, stylesheets and scripts are found next to package.json (src/package-root.ts).
COPY --from=build /app/dist ./dist
# The workspace's RP kit: `gatehouse/rp` re-exports it (node_modules/@gatehouse/rp links here).
COPY --from=build /app/packages/rp/dist ./packages/rp/dist
COPY views ./views
COPY static ./static
COPY --from=build /app/vendor ./static/vendor
# The CLI on PATH: `docker compose exec gatehouse gatehouse admin list` runs dist/src/cli.
COPY bin ./bin
RUN chmod 0755 bin/gatehouse.js && ln -s /app/bin/gatehouse.js /usr/local/bin/gatehouse
# The example (the real config is mounted at run time, GATEHOUSE_CONFIG) and, for the local
# trial, the dev config; production refuses the latter (its seed and dev secrets).
COPY config/gatehouse.example.json config/gatehouse.dev.json ./config/
# The demo tenant app's stylesheet, scripts and icon, next to its compiled code.
COPY examples/tenant-app/public ./dist/examples/tenant-app/public
# The places the server writes: the checkpoint memory (audit.stateDir) and archives
# (audit.archiveDir), on a volume every instance shares (docker-compose.yml, docs/audit.md),
# and in the local trial the generated dev keys (~/.gatehouse, a volume in
# docker-compose.demo.yml).
RUN mkdir -p /var/lib/gatehouse/audit-state /var/lib/gatehouse/audit-archive /home/node/.gatehouse \
 && chown -R node:node /var/lib/gatehouse /home/node/.gatehouse

# Everything else above is owned by root and only readable by the server: it writes only
# there.
USER node
# 3000: Gatehouse. 9464: Prometheus /metrics when the config sets "metrics": { "port": 9464 }.
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# node as PID 1 gets SIGTERM itself: src/server.ts stops accepting, drains, closes the store.
# Memory (src/heap.ts says why): the young generation capped at 8 MB a semi-space (V8 reads
# it only at startup), and glibc's mmap threshold fixed, so an argon2 hash's 19 MB goes
# back to the system when freed instead of staying in a thread's arena; two malloc arenas
# instead of one per thread (peak RSS about 20 MB lower under load, bench/README.md).
ENV MALLOC_MMAP_THRESHOLD_=131072 MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=8", "dist/src/server.js"]
