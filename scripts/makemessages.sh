#!/bin/sh
# Extract the messages the code marks for translation into the catalogues (the project's
# locale/ and the reusable apps' own analytics/locale and telemetry/locale), for every
# shipped language, and compile them. Needs GNU gettext (xgettext, msgmerge, msgfmt).
# Usage: scripts/makemessages.sh [python]   (default .venv/bin/python); `make messages`.
set -eu
python=$(command -v "${1:-.venv/bin/python}")
case $python in /*) ;; *) python=$(pwd)/$python ;; esac
set -- -l de -l fr -l nl --add-location file --no-wrap --no-obsolete
"$python" manage.py makemessages "$@" \
  --ignore analytics --ignore telemetry --ignore tests --ignore bench --ignore docs \
  --ignore scripts --ignore staticfiles --ignore node_modules --ignore ops --ignore docker \
  --ignore data --ignore logs
for app in analytics telemetry; do
  mkdir -p "$app/locale"
  (cd "$app" && "$python" ../manage.py makemessages "$@" --ignore tests)
done
"$python" manage.py compilemessages --ignore .venv --ignore staticfiles --ignore node_modules
