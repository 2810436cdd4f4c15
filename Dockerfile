# syntax=docker/dockerfile:1
# vfl in one image: `vfl ingest`, `vfl worker`, `vfl api` (or the all-in-one `vfl run`) are its roles.
#   docker build -t vfl .
#   docker run --rm -v vfl-data:/data -p 5001:5001 vfl run

# Build: the official Swift image, a release build with the Swift standard library and Foundation linked statically.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product vfl \
    && install -D -m 0755 .build/release/vfl /out/usr/bin/vfl
COPY models /out/usr/share/vfl/models
COPY samples /out/usr/share/vfl/samples

# Run: slim Debian with only the runtime libraries. A fixed non-root uid; every write goes under /data (spool and
# job store), so the root filesystem can be mounted read-only.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0-pthread libsqlite3-0 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 vfl \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /data --shell /usr/sbin/nologin vfl \
    && mkdir -p /data/spool/inbox \
    && chown -R 10001:10001 /data \
    && chmod 1777 /data
COPY --from=build /out/ /
ENV VFL_HOME=/usr/share/vfl \
    VFL_SPOOL=/data/spool \
    VFL_DB=/data/vfl.sqlite \
    VFL_PORT=5001
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 5001
# The job store opens and answers (every role); the api service checks its /health instead (docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["vfl", "health"]
# Exec form: vfl is PID 1 and receives SIGTERM itself (workers drain, `vfl run` stops its children and reaps them).
ENTRYPOINT ["vfl"]
CMD ["run"]
