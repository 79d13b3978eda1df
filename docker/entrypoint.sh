#!/bin/sh
# Container entrypoint: prepare the database, then run the container's command.
#
#   1. wait until the database accepts connections (at most DB_WAIT_TIMEOUT seconds);
#   2. apply migrations, unless RUN_MIGRATIONS=false (replicas take turns: see
#      docker/prepare_db.py);
#   3. exec the command (gunicorn by default), which then receives signals directly.
#
# Runs from the application directory whatever the caller's working directory is.
set -eu

app_dir=$(cd "$(dirname "$0")/.." && pwd)
cd "$app_dir"

if [ "$#" -eq 0 ]; then
    echo "entrypoint: no command given (the image's default is: gunicorn -c gunicorn.conf.py)" >&2
    exit 64
fi

python docker/prepare_db.py

exec "$@"
