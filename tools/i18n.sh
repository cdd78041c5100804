#!/usr/bin/env bash
# Refresh the catalogues after changing user-visible texts: extract (our code and templates, and
# the FAB texts listed in tools/fab_msgids.py), merge into the .po files, refuse any French text
# missing or fuzzy (write it in translations/fr/LC_MESSAGES/messages.po, then run this again),
# compile.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/pybabel extract -F babel.cfg -k _l -k lazy_gettext \
  -o translations/messages.pot . > /dev/null 2>&1
$BIN/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
  --ignore-obsolete --width 100 > /dev/null
$BIN/python tools/check_catalogue.py
$BIN/pybabel compile -d translations > /dev/null
