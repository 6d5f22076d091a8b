#!/usr/bin/env bash
# One release step, run as the service user before (re)starting the units:
#   sudo -u governance env $(cat /etc/governance/env | xargs) deploy/release.sh
# Installs pinned dependencies, checks the production settings, migrates, creates the cache
# table, collects static files, and makes sure the search index exists.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.production}

"$PY" -m pip install -q -r requirements.txt -c constraints.txt
"$PY" manage.py check --deploy --fail-level WARNING
"$PY" manage.py migrate --noinput
"$PY" manage.py createcachetable
"$PY" manage.py collectstatic --noinput -v0
# First release: `manage.py createsuperuser`. Demo data never goes into production; load the
# district's own reference files with `manage.py import_reference DIR` (it never overwrites
# what administrators changed unless given --overwrite). The embedded index is rebuilt here; with
# Elasticsearch the rebuild builds a new index and switches the alias.
"$PY" manage.py search_index --rebuild
echo "release steps done; now: systemctl restart governance-web governance-worker@* governance-sweep"
