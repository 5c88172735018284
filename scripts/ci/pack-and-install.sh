#!/usr/bin/env bash
# Packs each publishable package, installs the tarballs into a fresh folder outside the workspace, and runs
# installed-smoke.mjs there: what a team gets from `npm install @hubgate/github-auth` etc. must work alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build
out="$(mktemp -d)"
[ -n "${KEEP_SMOKE_DIR:-}" ] || trap 'rm -rf "$out"' EXIT; echo "pack-and-install: in $out"
mkdir -p "$out/tarballs" "$out/app"
for pkg in contract github-sim github-auth web server; do
  npm pack --silent --workspace "packages/$pkg" --pack-destination "$out/tarballs" >/dev/null
done
ls "$out/tarballs"
# Each tarball carries its licence, a README and the Apache-2.0 licence field.
for tarball in "$out"/tarballs/*.tgz; do
  listing="$(tar -tzf "$tarball")"
  for file in package/LICENSE package/README.md; do
    grep -qx "$file" <<<"$listing" || { echo "pack-and-install: $(basename "$tarball") has no $file" >&2; exit 1; }
  done
  tar -xzOf "$tarball" package/package.json | grep -q '"license": "Apache-2.0"' || { echo "pack-and-install: $(basename "$tarball") is not Apache-2.0" >&2; exit 1; }
done
cp scripts/ci/installed-smoke.mjs "$out/app/"
cd "$out/app"
printf '{ "name": "hubgate-installed-smoke", "private": true, "type": "module" }\n' > package.json
# The server's sandbox packages (@hubgate/github-sim, oidc-provider) are optional peers: github-sim is here
# because the smoke test uses the simulator itself; oidc-provider is not, and the service must not need it.
npm install --no-audit --no-fund --loglevel=error "$out"/tarballs/*.tgz
if [ -e node_modules/tsx ] || [ -e node_modules/typescript ]; then
  echo "pack-and-install: tsx or typescript got installed: the packages must run from their build" >&2
  exit 1
fi
[ -n "${SKIP_SMOKE:-}" ] || node installed-smoke.mjs
