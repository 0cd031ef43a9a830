# Argus in one static binary on distroless, running as a non-root user.
#
#   docker build -t argus .
#   docker run -p 8000:8000 -v argus-data:/data argus
#
# SQLite in the /data volume unless DATABASE_URL names PostgreSQL.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc SQLite is pure Go, so the binary needs no libc. The module
# version and the commit are stamped from the checkout's .git when the
# build context has one (argus version).
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/argus ./cmd/argus \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/argus /usr/local/bin/argus
# The volume starts as this directory: owned by nonroot, so SQLite can
# write there.
COPY --from=build --chown=65532:65532 /out/data /data
ENV ARGUS_LISTEN=0.0.0.0:8000 \
    ARGUS_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=6s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/argus", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/argus"]
CMD ["serve"]
