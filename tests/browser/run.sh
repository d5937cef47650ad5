#!/usr/bin/env bash
# The browser test of report.html: runs lifecircle on the Helsinki fixture with --report, then
# opens the zh and the en report in headless Chromium (tests/browser/check_report.mjs) and
# checks that the map, the category selector, the tables and the embedded CJK font render,
# with no console error and no request outside the file. Screenshots go to target/browser-test/.
#
#   bash tests/browser/run.sh              # the self-test of the check, then the real reports
#   bash tests/browser/run.sh --self-test  # only the self-test (no cargo build)
#   bash tests/browser/run.sh --reports    # only the real reports
#
# LIFECIRCLE_BIN=path runs that binary instead of target/release/lifecircle.
# Installs what it needs when missing: Debian's chromium (apt-get, as root or with sudo) and
# playwright-core (npm, into a cache folder outside the repo; never Playwright's own browsers).
# No CJK system font is installed, and the check hides any the machine has from Chromium, so
# Chinese renders only if the report's embedded font works.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
HERE=tests/browser
PLAYWRIGHT_VERSION=1.64.1
CHROMIUM=/usr/bin/chromium
if [ -n "${LIFECIRCLE_BROWSER_CACHE:-}" ]; then CACHE=$LIFECIRCLE_BROWSER_CACHE
elif [ -n "${XDG_CACHE_HOME:-}" ] || [ -n "${HOME:-}" ]; then
  CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/lifecircle-browser-test
else CACHE=$ROOT/target/browser-test/npm; fi
SHOTS=$ROOT/target/browser-test
MODE=${1:-all}
case "$MODE" in
  all | --self-test | --reports) ;;
  *) echo "usage: bash tests/browser/run.sh [--self-test | --reports]" >&2; exit 2 ;;
esac

say() { echo "browser test: $*"; }
started=$SECONDS
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- Chromium, from Debian -------------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { say "$CHROMIUM is missing and I am not root: install Debian's chromium"; exit 1; }
    SUDO=sudo
  fi
  say "$CHROMIUM is missing: apt-get update && apt-get install -y chromium"
  t=$SECONDS
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
  say "installed $("$CHROMIUM" --version 2>/dev/null | head -n1) in $((SECONDS - t)) s"
fi

# --- Node.js and playwright-core ---------------------------------------------------------------
command -v node >/dev/null && command -v npm >/dev/null \
  || { say "node and npm are needed (Node.js 20 or newer)"; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { say "playwright-core $PLAYWRIGHT_VERSION needs Node.js 20 or newer, not $(node --version)"; exit 1; }
installed=$(node -p "try { require('$CACHE/node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$installed" != "$PLAYWRIGHT_VERSION" ]; then
  say "installing playwright-core@$PLAYWRIGHT_VERSION into $CACHE (npm; no browser download)"
  t=$SECONDS
  mkdir -p "$CACHE"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$CACHE" --no-audit --no-fund \
    --no-package-lock --save-exact --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION"
  say "installed in $((SECONDS - t)) s"
fi
export LC_PLAYWRIGHT_PREFIX=$CACHE
mkdir -p "$SHOTS"
say "$("$CHROMIUM" --version 2>/dev/null | head -n1), playwright-core $PLAYWRIGHT_VERSION, node $(node --version)"

# Every check runs even after one fails; the closing line counts them.
PASSED=0
FAILED=0
check() { node "$HERE/check_report.mjs" --shots "${CHECK_SHOTS:-$SHOTS}" "$@"; }
pass() { if check "$@"; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi; }

# --- Self-test: the check passes the stand-in page and fails broken copies of it ---------------
# broken NAME WANT FIND REPLACE: a copy of the stand-in with FIND replaced by REPLACE must fail,
# with WANT in the check's output.
broken() {
  local name=$1 want=$2 out
  node -e '
    const fs = require("fs");
    const [src, dst, find, replace] = process.argv.slice(1);
    const s = fs.readFileSync(src, "utf8");
    if (!s.includes(find)) { console.error(`self-test: ${JSON.stringify(find)} is not in ${src}`); process.exit(1); }
    fs.writeFileSync(dst, s.replace(find, replace));
  ' "$FIXTURE" "$SELF_TMP/$name.html" "$3" "$4"
  if out=$(check --lang "${LANG_AS:-zh}" --name "broken-$name" "$SELF_TMP/$name.html" 2>&1); then
    echo "$out"; say "self-test FAILED: the check passed the broken stand-in '$name'"
    FAILED=$((FAILED + 1)); return
  fi
  if ! grep -qF -- "$want" <<<"$out"; then
    echo "$out"; say "self-test FAILED: the broken stand-in '$name' failed, but not with '$want'"
    FAILED=$((FAILED + 1)); return
  fi
  say "  '$name' fails as it should: $(grep -F -- "$want" <<<"$out" | head -n1 | sed 's/^ *FAIL *//')"
  PASSED=$((PASSED + 1))
}

self_test() {
  FIXTURE=$HERE/fixtures/standin-report.html
  SELF_TMP=$WORK/self-test
  mkdir -p "$SELF_TMP"
  local CHECK_SHOTS=$SHOTS/self-test
  local before=$FAILED
  say "self-test on $FIXTURE"
  pass --lang zh --name standin "$FIXTURE"
  pass --lang en --name standin-en "$HERE/fixtures/standin-report-en.html"
  broken console-error 'console error' '</body>' '<script>console.error("broken on purpose")</script></body>'
  broken page-error 'uncaught error in the page' '</body>' '<script>null.brokenOnPurpose()</script></body>'
  broken external-url 'not self-contained' '</body>' '<img src="http://127.0.0.1:9/tile.png" alt=""></body>'
  broken blank-map 'map looks blank' '</style>' '#map > * { opacity: 0 }</style>'
  broken hidden-layers 'map shows little data' '</style>' \
    '#map > rect:first-child { fill: #dde6ee } #zones, #gap-areas, #residences, #facilities { opacity: 0 }</style>'
  broken no-filter 'still shows all' "el.style.display = c === ''" "el.style.display = ''; void (c === '')"
  broken no-data-category 'data-category does not follow' "map.setAttribute('data-category', c);" ''
  broken missing-glyph 'has no glyph for' '<h2>方法</h2>' '<h2>方法（鑫）</h2>'
  # lc-cjk after a system font: Chromium draws the bold headings' Chinese with the system font
  broken font-last 'not drawn with the embedded font' 'body { font-family: "lc-cjk", "DejaVu Sans",' \
    'body { font-family: system-ui, "DejaVu Sans", "lc-cjk",'
  LANG_AS=en broken zh-as-en 'has Chinese in' '<!DOCTYPE html>' '<!DOCTYPE html>'
  if [ "$FAILED" = "$before" ]; then
    say "self-test passed: the zh and en stand-ins pass and the 10 broken copies fail"
  else
    say "self-test FAILED: $((FAILED - before)) of its 12 cases went wrong (above)"
  fi
}

# --- The real reports ------------------------------------------------------------------------
reports() {
  local bin=${LIFECIRCLE_BIN:-$ROOT/target/release/lifecircle} run=$WORK/run
  if [ -z "${LIFECIRCLE_BIN:-}" ]; then
    # The binary that `cargo test --release` builds (nothing to do right after it in .ci/run):
    # a plain `cargo build --release` resolves some dependencies' features without the
    # dev-dependencies (rand, under geo) and would compile geo and lifecircle again.
    say "cargo test --release --no-run   (builds target/release/lifecircle if needed)"
    cargo test --release --no-run --quiet
  fi
  say "lifecircle analyze --out \$TMP/run --zones tests/fixtures/helsinki_zones.geojson --report --lang zh -q"
  "$bin" analyze --out "$run" --zones tests/fixtures/helsinki_zones.geojson --report --lang zh -q
  cp "$run/report.html" "$SHOTS/report-zh.html"
  pass --lang zh --name report-zh "$run/report.html"
  # `report` re-writes report.html in the folder it reads, so the zh one is checked first.
  say "lifecircle report \$TMP/run --lang en   (re-writes \$TMP/run/report.html)"
  "$bin" report "$run" --lang en
  cp "$run/report.html" "$SHOTS/report-en.html"
  pass --lang en --name report-en "$run/report.html"
}

case "$MODE" in
  --self-test) self_test ;;
  --reports) reports ;;
  all) self_test; reports ;;
esac
say "done in $((SECONDS - started)) s; screenshots and the reports checked are in ${SHOTS#"$ROOT"/}/"
echo "browser: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
