#!/usr/bin/env bash
# Refresh the catalogues after changing user-visible texts: extract, merge, fill French, compile.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot . > /dev/null 2>&1
$BIN/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching > /dev/null
$BIN/python tools/fr_catalogue.py
$BIN/pybabel compile -d translations > /dev/null
