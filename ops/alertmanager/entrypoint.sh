#!/bin/sh
# Render the Alertmanager configuration template from the environment, then run the
# command given as arguments (the alertmanager binary with --config.file=<rendered file>).
#
#   ALERTMANAGER_TEMPLATE  the template (default /etc/alertmanager/alertmanager.yml)
#   ALERTMANAGER_RENDERED  where the result goes (default /tmp/alertmanager.yml)
#
# Alertmanager reads no environment variables in its configuration, and its image has a
# busybox shell but no envsubst: this is envsubst in POSIX awk, limited to variables named
# ALERTMANAGER_* and written inside double-quoted YAML strings (a quote or backslash in a
# value is escaped, a line break refused). Lines between "# @if NAME" and "# @end" are kept
# only when NAME is set and not empty, between "# @unless NAME" and "# @end" only when it
# is not. See docs/monitoring-stack.md#alertmanager.
set -eu

template=${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/alertmanager.yml}
rendered=${ALERTMANAGER_RENDERED:-/tmp/alertmanager.yml}

fail() {
  echo "alertmanager entrypoint: $*" >&2
  exit 1
}

if [ -n "${ALERTMANAGER_EMAIL_TO:-}" ]; then
  [ -n "${ALERTMANAGER_EMAIL_FROM:-}" ] || fail "ALERTMANAGER_EMAIL_TO needs ALERTMANAGER_EMAIL_FROM"
  [ -n "${ALERTMANAGER_SMTP_SMARTHOST:-}" ] ||
    fail "ALERTMANAGER_EMAIL_TO needs ALERTMANAGER_SMTP_SMARTHOST (host:port)"
fi
if [ -z "${ALERTMANAGER_WEBHOOK_URL:-}" ] && [ -z "${ALERTMANAGER_EMAIL_TO:-}" ]; then
  echo "alertmanager entrypoint: neither ALERTMANAGER_WEBHOOK_URL nor" \
    "ALERTMANAGER_EMAIL_TO is set: alerts will reach nobody" >&2
fi

umask 077
awk '
  function fail(message) { print "alertmanager entrypoint: " message > "/dev/stderr"; failed = 1; exit 1 }
  function value(name,    v, c, i, out) {
    v = ENVIRON[name]
    if (v ~ /[\n\r]/) fail(name " must be a single line")
    # Escaped one character at a time: gsub treats backslashes differently in each awk.
    out = ""
    for (i = 1; i <= length(v); i++) {
      c = substr(v, i, 1)
      out = out ((c == "\\" || c == "\"") ? "\\" c : c)
    }
    return out
  }
  /^[ \t]*# @(if|unless) ALERTMANAGER_[A-Z0-9_]+[ \t]*$/ {
    depth++
    keep = (ENVIRON[$3] != "")
    if ($2 == "@unless") keep = !keep
    if (!keep && skip == 0) skip = depth
    next
  }
  /^[ \t]*# @end[ \t]*$/ {
    if (depth == 0) fail("# @end without # @if at line " NR)
    if (skip == depth) skip = 0
    depth--
    next
  }
  skip { next }
  /^[ \t]*#/ { print; next }
  {
    line = $0
    out = ""
    while (match(line, /\$\{ALERTMANAGER_[A-Z0-9_]+\}/)) {
      out = out substr(line, 1, RSTART - 1) value(substr(line, RSTART + 2, RLENGTH - 3))
      line = substr(line, RSTART + RLENGTH)
    }
    if (line ~ /\$\{/) fail("unsupported ${...} at line " NR " (only ${ALERTMANAGER_*})")
    print out line
  }
  END { if (!failed && depth != 0) fail("# @if without # @end") }
' "$template" >"$rendered.tmp" || { rm -f "$rendered.tmp"; exit 1; }
mv "$rendered.tmp" "$rendered"

exec "$@"
