# syntax=docker/dockerfile:1
#
# healthcrawl in a container: a static binary (CGO_ENABLED=0; the SQLite driver is
# pure Go, modernc.org/sqlite) in a distroless image that has CA certificates and
# a non-root user, and nothing else.
#
# UNTESTED: written on a machine with a docker client but no container engine, and
# CI has no container runtime either, so this file has never been built. What was
# checked: the build command below gives a static binary that runs `crawl demo` and
# `crawl run` from an empty directory (the sample site and configs are embedded).
#
#   docker build -t healthcrawl .
#   docker run --rm -v "$PWD/out:/out" healthcrawl demo
#   docker run --rm -v "$PWD/site.yaml:/site.yaml:ro" -v "$PWD/out:/out" \
#       -v healthcrawl-state:/state healthcrawl run --config /site.yaml
#
# The working directory is /, so the default output path out/records.jsonl is
# /out/records.jsonl, and the default state sqlite://.crawl/state.db is
# /state/state.db (/.crawl is a link to /state): both volumes, so a stopped
# container resumes and later runs are incremental. A config's own output.path
# and state.url still win. Both directories belong to the image's user, nonroot
# (uid 65532): a bind mount must be writable by that uid (or run the container
# with --user "$(id -u):$(id -g)").
#
# No Chromium: the image cannot render pages. Keep sites[].render: never (the
# default); a page of a site with render: auto or always fails with
# "render: chromium not found". To render, run the binary on a host with
# Debian's chromium package, or build an image of your own on a Debian base with
# chromium installed (HEALTHCRAWL_CHROMIUM=/usr/bin/chromium).

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' -o /crawl ./cmd/crawl \
 && mkdir -p /rootfs/out /rootfs/state \
 && ln -s /state /rootfs/.crawl

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /crawl /usr/local/bin/crawl
COPY --from=build --chown=65532:65532 /rootfs/ /
WORKDIR /
USER 65532:65532
VOLUME ["/out", "/state"]
ENTRYPOINT ["crawl"]
CMD ["--help"]
