# dccn-node image: build with the full toolchain, run as a non-root user with a data volume.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production DCCN_HOME=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
RUN groupadd --system dccn && useradd --system --gid dccn --home-dir /data dccn \
  && mkdir -p /data && chown dccn:dccn /data \
  && ln -s /app/dist/src/cli/main.js /usr/local/bin/dccn && chmod +x /app/dist/src/cli/main.js
USER dccn
VOLUME ["/data"]
# p2p, JSON-RPC, metrics
EXPOSE 26656 26657 26660
ENTRYPOINT ["dccn"]
CMD ["start", "--home", "/data"]
