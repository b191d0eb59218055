# Sourced by ./dev and .ci/run: makes sure Node >= 22.12 and the pinned pnpm are on PATH.
# This machine type ships Node 20; Node 24 comes from the npm registry into /opt/node24.
node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; }
ensure_toolchain() {
  if ! node_ok; then
    if [ ! -x /opt/node24/bin/node ]; then
      echo "node $(node --version 2>/dev/null || echo missing) is older than 22.12: installing Node 24 into /opt/node24" >&2
      npm install -g --prefix /opt/node24 node@24 >/dev/null || return 1
    fi
    export PATH=/opt/node24/bin:$PATH
  fi
  node_ok || { echo "node >= 22.12 is required, found $(node --version)" >&2; return 1; }
  local want
  want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$want" ]; then
    npm install -g --prefix "$(dirname "$(dirname "$(command -v node)")")" "pnpm@$want" >/dev/null || return 1
    hash -r
  fi
}
