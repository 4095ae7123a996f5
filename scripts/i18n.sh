#!/usr/bin/env bash
# After changing a string the app shows: extract every _(), N_() and ngettext() into
# locale/messages.pot, merge it into each language's messages.po, compile the catalogs.
# English is the source text, copied into locale/en/LC_MESSAGES/messages.po here. Then translate
# the new or fuzzy entries of locale/zh/LC_MESSAGES/messages.po, drop their "fuzzy" flags, and run
# this again (it compiles): tests/app/test_i18n.py fails while an entry is missing, empty or fuzzy.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=.venv/bin/pybabel
mkdir -p locale
"$pybabel" -q extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k msg --add-comments=TRANSLATORS: \
  --no-location --sort-output --project graphlab --copyright-holder "graphlab authors" \
  -o locale/messages.pot .
for lang in en zh; do
  po="locale/$lang/LC_MESSAGES/messages.po"
  if [ -f "$po" ]; then
    "$pybabel" -q update -D messages -d locale -l "$lang" -i locale/messages.pot \
      --ignore-obsolete
  else
    "$pybabel" -q init -D messages -d locale -l "$lang" -i locale/messages.pot
  fi
done
# English says what the source says: each msgstr of the English catalog is its msgid.
.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po, write_po

path = "locale/en/LC_MESSAGES/messages.po"
with open(path, "rb") as f:
    catalog = read_po(f, locale="en")
for message in catalog:
    if message.id:
        message.string = message.id
        message.flags.discard("fuzzy")
with open(path, "wb") as f:
    write_po(f, catalog, width=76, no_location=True, ignore_obsolete=True)
PY
"$pybabel" -q compile -d locale -D messages
