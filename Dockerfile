# vfl in one image: `vfl ingest`, `vfl worker`, `vfl api` (or the all-in-one `vfl run`) are its roles.
#   podman build --format docker -t localhost/vfl:local .     (docker build -t localhost/vfl:local .)
#   podman run --rm --read-only --cap-drop ALL -v vfl-data:/data -p 127.0.0.1:5001:5001 localhost/vfl:local run
# `--format docker`: podman and buildah build OCI images by default, and the OCI format has no HEALTHCHECK (it is
# dropped with a warning). docker-compose.yml and the Kubernetes manifests declare their own checks regardless.
# No `# syntax=` line: BuildKit would fetch that frontend from Docker Hub, which breaks offline and mirror-only builds.

# Build: the official Swift image, a release build with the Swift standard library and Foundation linked statically,
# stripped (79 MB with debug info, 60 MB without). libpq-dev: the PostgreSQL job store's client library.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas-dev libsqlite3-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
# Marks this stage's images from here on, so that scripts/container-test removes its own superseded ones only.
LABEL vfl.stage=build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product vfl \
    && install -D -m 0755 .build/release/vfl /out/usr/bin/vfl \
    && strip --strip-all /out/usr/bin/vfl
COPY models /out/usr/share/vfl/models
COPY samples /out/usr/share/vfl/samples

# Run: slim Debian with only the runtime libraries (OpenBLAS, SQLite, libpq). A fixed non-root uid; every write goes
# under /data (spool and job store), so the root filesystem can be mounted read-only.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0-pthread libsqlite3-0 libpq5 \
    && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
    && groupadd --gid 10001 vfl \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /data --shell /usr/sbin/nologin vfl \
    && mkdir -p /data/spool/inbox \
    && chown -R 10001:10001 /data \
    && chmod 1777 /data
LABEL vfl.stage=runtime
COPY --from=build /out/ /
# VFL_HOST=*: inside a container the API listens on every address; the port mapping decides what the host exposes.
ENV VFL_HOME=/usr/share/vfl \
    VFL_SPOOL=/data/spool \
    VFL_DB=/data/vfl.sqlite \
    VFL_PORT=5001 \
    VFL_HOST=*
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 5001
# The job store opens and answers (every role); the api service checks its /health instead (docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["vfl", "health"]
# Exec form: vfl is PID 1 and receives SIGTERM itself (workers drain, `vfl run` stops its children and reaps them).
ENTRYPOINT ["vfl"]
CMD ["run"]
