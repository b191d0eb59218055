#!/usr/bin/env bash
# Consumer test: what an npm user gets from the published packages.
# Packs every publishable package with `pnpm pack`, checks each tarball (LICENSE, README, CHANGELOG,
# metadata), installs the tarballs with npm into a fresh project in a temporary folder outside the
# workspace, then, in that project:
#   (a) runs one small program on the memory adapter, BullMQ (REDIS_URL) and pg-boss (DATABASE_URL);
#   (b) type-checks a strict TypeScript consumer with TypeScript 6's default (empty) `types`, whose
#       payload types come from a zod schema and whose wrong payloads must fail (@ts-expect-error),
#       and type-checks every package's declarations;
#   (c) require()s every package from CommonJS and prints the result.
# Needs built packages (`pnpm build`), Redis and PostgreSQL. Run it with `pnpm test:consumer`;
# KEEP_CONSUMER=1 keeps the temporary project for inspection.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fixture=$root/test/consumer
work=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-consumer.XXXXXX")
cleanup() { if [ -n "${KEEP_CONSUMER:-}" ]; then echo "consumer: project kept in $work/app"; else rm -rf "$work"; fi; }
trap cleanup EXIT
SECONDS=0
step() { printf -- '--- consumer: %s (%ss)\n' "$1" "$SECONDS"; }
fail() { echo "consumer: FAILED: $*" >&2; exit 1; }

node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' ||
  fail "Node >= 22.12 is required (require() of ES modules), found $(node --version)"

packages_json=$(node "$fixture/publishable-packages.mjs" "$root")
mapfile -t dirs < <(node -e 'for (const p of JSON.parse(process.argv[1])) console.log(p.dir)' "$packages_json")

step "pack ${#dirs[@]} packages"
mkdir -p "$work/tarballs" "$work/unpacked"
for dir in "${dirs[@]}"; do
  [ -d "$root/$dir/dist" ] || fail "$dir/dist is missing: run \`pnpm build\` first"
  tarball=$(cd "$root/$dir" && pnpm pack --pack-destination "$work/tarballs" | tail -n 1)
  [ -f "$tarball" ] || tarball="$work/tarballs/$(basename "$tarball")"
  [ -f "$tarball" ] || fail "pnpm pack in $dir produced no tarball"
  mkdir -p "$work/unpacked/$dir"
  tar -xzf "$tarball" -C "$work/unpacked/$dir"
  node "$fixture/check-tarball.mjs" "$root" "$dir" "$work/unpacked/$dir/package"
done

step "npm install into $work/app"
# Run through `pnpm test:consumer`, the environment carries pnpm's npm_config_* settings, which npm
# warns about; a user's npm reads its own configuration, so drop them.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(npm_config_[^=]*\)=.*/\1/p')
cp -R "$fixture/app" "$work/app"
cd "$work/app"
# The peers and tools a user adds themselves, at the versions the workspace tests with.
version_of() { node -p "require('$root/$1/node_modules/$2/package.json').version"; }
peers=(
  "zod@$(version_of packages/core zod)"
  "ioredis@$(version_of packages/adapter-bullmq ioredis)"
  "pg@$(version_of packages/adapter-pgboss pg)"
  "@aws-sdk/client-sqs@$(version_of packages/adapter-sqs @aws-sdk/client-sqs)"
  "vitest@$(version_of . vitest)"
  "typescript@$(version_of . typescript)"
  "@types/node@$(version_of . @types/node)"
)
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$work"/tarballs/*.tgz "${peers[@]}" ||
  fail "npm install of the tarballs failed"
node -e 'console.log(JSON.stringify(JSON.parse(process.argv[1]).map((p) => p.name)))' "$packages_json" > packages.json
node -e '
  const names = JSON.parse(require("fs").readFileSync("packages.json", "utf8"));
  const lines = names.map((name, i) => `import * as package${i} from "${name}";`);
  lines.push(`export { ${names.map((_, i) => `package${i}`).join(", ")} };`);
  require("fs").writeFileSync("all-packages.ts", lines.join("\n") + "\n");'

step "(a) one program on memory, BullMQ and pg-boss"
node run-backends.mjs || fail "the program on the installed packages failed"

step "(b) TypeScript consumer: strict, default types, no @types/node"
npx --no-install tsc --version
npx --no-install tsc -p tsconfig.json || fail "the typed consumer does not compile (or an @ts-expect-error met no error)"
if npx --no-install tsc -p tsconfig.json --listFilesOnly | grep -q '/@types/node/'; then
  fail "the typed consumer's program pulled in @types/node: some declaration still needs Node's ambient types"
fi
echo "consumer: typed-consumer.ts compiles without @types/node; every wrong payload is a compile error"
npx --no-install tsc -p tsconfig.all.json || fail "a package's published declarations do not compile in a consumer"
echo "consumer: the declarations of ${#dirs[@]} packages compile with skipLibCheck off"

step "(c) require() from CommonJS"
node require-packages.cjs packages.json require-report.json || fail "require() of a package failed (see above)"

step "done: every check passed"
