#!/usr/bin/env bash
# Runs the service locally on http://localhost:5000 with its own private PostgreSQL.
#   ./run.sh            ./run.sh --demo   (seeds a demo evaluation)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh
# One-line plain logs for a person at a terminal, unless Logging__Json was set explicitly.
if [[ -t 1 ]]; then export Logging__Json="${Logging__Json:-false}"; fi
exec dotnet run --project src/Evaluation.Web -c Release -- "$@"
