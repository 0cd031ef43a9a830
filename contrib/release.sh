#!/usr/bin/env bash
# Release builds: static binaries for linux/amd64 and linux/arm64, built
# with -trimpath from this checkout, so that `argus version` names the
# module version (a tag, or a pseudo-version) and the commit.
#
#   bash contrib/release.sh [OUTDIR]    (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch \
		go build -buildvcs=true -trimpath -ldflags='-s -w' -o "$out/argus-linux-$arch" ./cmd/argus
done
(cd "$out" && sha256sum argus-linux-* > SHA256SUMS)
"$out/argus-linux-$(go env GOARCH)" version
ls -l "$out"
