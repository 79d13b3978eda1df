#!/bin/sh
# Extract the messages the code marks for translation into the catalogues (the project's
# locale/ and the reusable apps' own analytics/locale and telemetry/locale), for every
# shipped language, and compile them. Needs GNU gettext (xgettext, msgmerge, msgfmt).
# Usage: scripts/makemessages.sh [python]   (default .venv/bin/python); `make messages`.
# MESSAGES_LANGUAGES="de" limits it to some of the shipped languages (default: de fr nl).
set -eu
python=$(command -v "${1:-.venv/bin/python}")
case $python in /*) ;; *) python=$(pwd)/$python ;; esac
languages=${MESSAGES_LANGUAGES:-de fr nl}
set -- --add-location file --no-wrap --no-obsolete
for language in $languages; do set -- "$@" -l "$language"; done
"$python" manage.py makemessages "$@" \
  --ignore analytics --ignore telemetry --ignore tests --ignore bench --ignore docs \
  --ignore scripts --ignore staticfiles --ignore node_modules --ignore ops --ignore docker \
  --ignore data --ignore logs
for app in analytics telemetry; do
  mkdir -p "$app/locale"
  (cd "$app" && "$python" ../manage.py makemessages "$@" --ignore tests)
done
compile=""
for language in $languages; do compile="$compile -l $language"; done
# shellcheck disable=SC2086 # one word per option
"$python" manage.py compilemessages $compile --ignore .venv --ignore staticfiles \
  --ignore node_modules
