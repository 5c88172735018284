# hubgate's service image: build the packages, keep only production dependencies, run as a non-root user.
# docker build -t hubgate . && docker run -p 3000:3000 --env-file hubgate.env hubgate   (docs/deploy.md)
ARG NODE_VERSION=24

# 1. Build: every dependency (TypeScript), then tsc -b to dist/.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY packages/github-sim/package.json packages/github-sim/
COPY packages/github-auth/package.json packages/github-auth/
COPY packages/server/package.json packages/server/
COPY packages/web/package.json packages/web/
# --ignore-scripts: the root "prepare" would build before the sources are here; no dependency needs its own.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY packages packages
RUN npm run build \
 && rm -rf packages/*/src packages/*/test packages/*/tsconfig*.json packages/*/dist/.tsbuildinfo

# 2. Production dependencies only (the sandbox's oidc-provider is a dev/optional peer: not in the image).
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /src
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/packages packages
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev && npm cache clean --force

# 3. Runtime. No sandbox in an image (its simulator and demo OpenID provider are not in it): with no app
# configured, the service serves the first-run page that registers one (docs/first-run.md).
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    HUBGATE_DATA_DIR=/var/lib/hubgate \
    HUBGATE_SANDBOX=off
WORKDIR /app
COPY --from=deps --chown=root:root /src /app
# The node image's unprivileged user; it owns only the data folder (PGlite, for a single replica without
# DATABASE_URL). The code stays read-only to it.
RUN mkdir -p /var/lib/hubgate && chown node:node /var/lib/hubgate
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run IMAGE doctor`, `docker run IMAGE migrate`, `docker run IMAGE --help` run the other commands.
ENTRYPOINT ["node", "packages/server/bin/hubgate.mjs"]
CMD ["serve"]
