#!/usr/bin/env bash
# Debian packages Reading Room uses. Idempotent; installs only what is missing; needs root to install.
#   scripts/install-system-deps.sh          what serving needs: tesseract + language packs (OCR), fonts (PDF),
#                                           Node.js/npm (to fetch the viewer from the npm registry)
#   scripts/install-system-deps.sh --test   also what the tests need: Chromium, PostgreSQL (+ RUM), libmagic (IIIF validator)
set -euo pipefail
LANGS=(eng sqi rus chi-sim deu pol hun ces fra osd)
need=()
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
for l in "${LANGS[@]}"; do
  f=${l/-/_}
  ls /usr/share/tesseract-ocr/*/tessdata/"$f".traineddata >/dev/null 2>&1 || need+=("tesseract-ocr-$l")
done
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || need+=(fonts-dejavu-core)
[[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]] || need+=(fonts-wqy-zenhei)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [[ "${1:-}" == "--test" ]]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-liberation)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
  # RUM: phrases and rank order from the index (PostgreSQL full text; optional at run time, GIN without it)
  pgv=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1); pgv=${pgv:-15}
  ls /usr/share/postgresql/"$pgv"/extension/rum.control >/dev/null 2>&1 || need+=("postgresql-$pgv-rum")
  ls /usr/lib/x86_64-linux-gnu/libmagic.so.1 /usr/lib/*/libmagic.so.1 >/dev/null 2>&1 || need+=(libmagic1)
  command -v xgettext >/dev/null 2>&1 || need+=(gettext)  # makemessages: the catalogue-completeness test
  command -v ab >/dev/null 2>&1 || need+=(apache2-utils)  # bench/load.py
fi
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-system-deps: missing ${need[*]}; install them (as root) for OCR, PDFs and the tests" >&2
    [[ "${CI:-}" == "true" ]] && exit 1
    exit 0
  fi
  echo "install-system-deps: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
