#!/usr/bin/env bash
# Installs code-server (the browser build of VS Code) offline-safe into e2e/.code-server, and the
# Debian packages the end-to-end test needs. Nothing is downloaded from GitHub: code-server's own
# postinstall would fetch ripgrep, so scripts are skipped and its steps are redone here by hand.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="$HERE/.code-server"
VERSION="${CODE_SERVER_VERSION:-4.99.4}"   # the last line that runs on Node 20
CS="$PREFIX/node_modules/code-server"
export npm_config_nodedir=/usr             # node-gyp uses the system headers, downloads none

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
  else
    echo "install these Debian packages first: ${need_apt[*]}" >&2
    exit 1
  fi
fi

if [ -f "$CS/.hoverdoc-installed-$VERSION" ]; then
  exit 0
fi
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$VERSION"

# code-server's own native module (password hashing), built from source (npm hoists it to the prefix)
ARGON2="$(dirname "$(node -p "require.resolve('argon2/package.json', {paths: ['$CS']})")")"
(cd "$ARGON2" && "$PREFIX/node_modules/.bin/node-pre-gyp" rebuild --build-from-source >/dev/null 2>&1)

# VS Code's dependencies, without their install scripts
(cd "$CS/lib/vscode" && npm install --omit=dev --ignore-scripts --unsafe-perm --no-audit --no-fund --loglevel=error)
# native modules VS Code's server loads
(cd "$CS/lib/vscode" && npm rebuild @parcel/watcher @vscode/spdlog native-watchdog --loglevel=error)
(cd "$CS/lib/vscode/node_modules/node-pty" && npx --yes node-gyp rebuild >/dev/null 2>&1)
# ripgrep: Debian's binary where @vscode/ripgrep looks for its download
mkdir -p "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin"
ln -sf "$(command -v rg)" "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
# the rest of postinstall.sh
(cd "$CS/lib/vscode" && rm -rf node_modules.asar && ln -s node_modules node_modules.asar)
(cd "$CS/lib/vscode/bin/remote-cli" && ln -sf code-linux.sh code-server)
(cd "$CS/lib/vscode/bin/helpers" && ln -sf browser-linux.sh browser.sh)
(cd "$CS/lib/vscode/extensions" && npm install --omit=dev --ignore-scripts --unsafe-perm --no-audit --no-fund --loglevel=error)
touch "$CS/.hoverdoc-installed-$VERSION"
echo "code-server $VERSION installed in $PREFIX"
