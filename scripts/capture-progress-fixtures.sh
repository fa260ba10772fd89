#!/usr/bin/env bash
# Regenerates test/fixtures/progress/: byte-exact captures of real programs drawing progress (tqdm, rich, pip,
# ffmpeg), the input of the progress parser's tests. Needs python3 with tqdm and rich (`pip install tqdm rich`),
# ffmpeg, pip and util-linux `script`.
#
# NAME.stdout / NAME.stderr: what the program wrote with its output going to files, as a pipe-tui stage sees it
# (stdin is /dev/null, as a stage's is). A stream it left empty has no file.
# NAME.tty: stdout and stderr together as written to a 100x24 terminal (under `script`), for programs that draw
# differently there. The terminal turns each `\n` into `\r\n`.
#
# Rates and times differ from run to run: regenerating means updating the values the tests expect.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/test/fixtures/progress
WORK=/tmp/pipe-tui-progress-fixtures
rm -rf "$WORK" && mkdir -p "$WORK" "$OUT"
rm -f "$OUT"/*.stdout "$OUT"/*.stderr "$OUT"/*.tty

# The same environment on every machine: nothing that changes widths, colours or tqdm's defaults.
unset COLUMNS LINES NO_COLOR FORCE_COLOR CLICOLOR_FORCE TTY_COMPATIBLE TTY_INTERACTIVE
export LANG=C.UTF-8 TERM=xterm-256color SHELL=/bin/sh
for name in $(env | grep -o '^TQDM_[A-Z_]*' || true); do unset "$name"; done

LIST=$WORK/list.md

# A command as the README shows it: words that need quoting get double quotes (the Python below uses none).
shown() {
  local out='' arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=,+@-]+$ ]]; then out+="$arg "; else out+="\"$arg\" "; fi
  done
  printf '%s' "${out% }"
}

note() { printf -- '- %s: %s  \n  `%s`\n' "$1" "$2" "$3" >> "$LIST"; }

# pipe NAME DESCRIPTION COMMAND...: stdout and stderr each into its own file.
pipe() {
  local name=$1 what=$2 file files=''
  shift 2
  "$@" < /dev/null > "$OUT/$name.stdout" 2> "$OUT/$name.stderr"
  for file in "$name.stdout" "$name.stderr"; do
    if [ -s "$OUT/$file" ]; then files+="\`$file\`, "; else rm -f "$OUT/$file"; fi
  done
  note "${files%, }" "$what" "$(shown "$@")"
}

# tty NAME DESCRIPTION COMMAND...: both streams as a 100x24 terminal receives them. Without the stty a pty opened
# by `script` from a non-terminal is 0x0, and tqdm then draws nothing.
tty() {
  local name=$1 what=$2
  shift 2
  script -q -e -c "stty cols 100 rows 24; exec $(printf '%q ' "$@")" /dev/null < /dev/null > "$OUT/$name.tty"
  note "\`$name.tty\`" "$what, on a terminal" "$(shown "$@")"
}

TQDM_KNOWN="import time; from tqdm import tqdm; [time.sleep(0.01) for i in tqdm(range(100), mininterval=0)]"
TQDM_UNKNOWN="import time; from tqdm import tqdm; [time.sleep(0.01) for i in tqdm(iter(range(30)), mininterval=0)]"
TQDM_SLOW="import time; from tqdm import tqdm; [time.sleep(1.5) for i in tqdm(range(4), mininterval=0)]"
TQDM_BYTES="import time; from tqdm import tqdm; bar = tqdm(total=3.4e6, unit='B', unit_scale=True, mininterval=0); [(time.sleep(0.05), bar.update(200000)) for i in range(17)]; bar.close()"
TQDM_DESC="import time; from tqdm import tqdm; [time.sleep(0.01) for i in tqdm(range(20), desc='train', mininterval=0)]"
RICH_TRACK="import time; from rich.progress import track; [time.sleep(0.02) for i in track(range(50))]"
RICH_MOFN="import time; from rich.progress import Progress, MofNCompleteColumn; p = Progress(*Progress.get_default_columns(), MofNCompleteColumn()); t = p.add_task('Working...', total=50); p.start(); [(time.sleep(0.02), p.advance(t)) for i in range(50)]; p.stop()"

pipe tqdm-known-total 'tqdm, 100 steps of 10 ms' python3 -c "$TQDM_KNOWN"
tty tqdm-known-total 'tqdm, 100 steps of 10 ms' python3 -c "$TQDM_KNOWN"
pipe tqdm-unknown-total 'tqdm over an iterator of unknown length, 30 steps' python3 -c "$TQDM_UNKNOWN"
pipe tqdm-slow 'tqdm, 4 steps of 1.5 s (s/it)' python3 -c "$TQDM_SLOW"
pipe tqdm-bytes 'tqdm in bytes, unit_scale, total 3.4e6, 17 updates of 200 kB' python3 -c "$TQDM_BYTES"
pipe tqdm-desc 'tqdm with desc=train, 20 steps' python3 -c "$TQDM_DESC"

pipe rich-track 'rich.progress.track, 50 steps of 20 ms: off a terminal it prints only the final bar' python3 -c "$RICH_TRACK"
tty rich-track 'rich.progress.track, 50 steps of 20 ms' python3 -c "$RICH_TRACK"
tty rich-mofn 'rich Progress with the default columns and an n/total column' python3 -c "$RICH_MOFN"

# pip draws its bar only for a download over HTTP(S) of more than 40 kB. Served from this machine's local package
# index through a server that paces it at about 1 MB/s, so that the bar has frames between empty and full.
# PIP_INDEX_DIR: a folder with a PEP 503 index in simple/ and the files its pages link to.
PIP_INDEX_DIR=${PIP_INDEX_DIR:-/opt/pypi}
PIP_PACKAGE=${PIP_PACKAGE:-pygments==2.21.0}
python3 -u -c "
import functools, http.server, time
class Paced(http.server.SimpleHTTPRequestHandler):
    def copyfile(self, source, target):
        while chunk := source.read(16384):
            target.write(chunk)
            target.flush()
            time.sleep(0.016)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Paced, directory='$PIP_INDEX_DIR'))
print(server.server_address[1])
server.serve_forever()
" > "$WORK/port" &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
INDEX=http://127.0.0.1:$(cat "$WORK/port")/simple
# No pip configuration, so the only index is the paced one.
PIP=(env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null
  pip download --no-deps --no-cache-dir -i "$INDEX")
pipe pip-download "pip download of a 1.25 MB wheel at about 1 MB/s" "${PIP[@]}" -d "$WORK/pip-pipe" "$PIP_PACKAGE"
tty pip-download "pip download of a 1.25 MB wheel at about 1 MB/s" "${PIP[@]}" -d "$WORK/pip-tty" "$PIP_PACKAGE"

# ffmpeg prints `Duration:` for file inputs only, so the first command also makes the 5 s input of the others.
# -re reads the input at its own pace: 5 s of work, so the stats line (every 0.5 s) has frames in between.
IN=$WORK/in.mp4
pipe ffmpeg-lavfi 'ffmpeg encoding lavfi test sources (no Duration:)' \
  ffmpeg -hide_banner -f lavfi -i testsrc=duration=5:size=320x240:rate=25 -f lavfi -i sine=duration=5 -c:v mpeg4 -y "$IN"
pipe ffmpeg-file 'ffmpeg transcoding the 5 s file: Duration: then time= frames' \
  ffmpeg -hide_banner -re -i "$IN" -c:v mpeg4 -y "$WORK/file.mp4"
tty ffmpeg-file 'ffmpeg transcoding the 5 s file' \
  ffmpeg -hide_banner -re -i "$IN" -c:v mpeg4 -y "$WORK/file-tty.mp4"
pipe ffmpeg-progress 'ffmpeg -progress pipe:1 -nostats: key=value blocks on stdout, the header with Duration: on stderr' \
  ffmpeg -hide_banner -re -i "$IN" -c:v mpeg4 -progress pipe:1 -nostats -y "$WORK/progress.mp4"

version() { "$@" 2>&1 | head -1; }
{
  cat << 'EOF'
# Progress captures

Byte-exact output of real programs drawing progress, for `test/shared/progress-parse.test.ts`. Made by
`scripts/capture-progress-fixtures.sh`, which also wrote this file; do not edit the captures (they keep every `\r`
and escape byte).

- `NAME.stdout`, `NAME.stderr`: the program's streams going to files, as a pipe-tui stage's are (stdin
  /dev/null). A stream the program left empty has no file.
- `NAME.tty`: both streams as a 100x24 terminal receives them (the terminal makes each `\n` a `\r\n`): the
  command run as `script -q -e -c 'stty cols 100 rows 24; exec COMMAND' /dev/null < /dev/null`.

The ffmpeg and pip paths are under /tmp/pipe-tui-progress-fixtures (`$IN` is its `in.mp4`, made by the first
ffmpeg command; the others read it with `-re`, at its own pace, so that the stats line ffmpeg prints every 0.5 s has
frames between the first and the last). pip downloads from this machine's local package index served over HTTP at
about 1 MB/s (pip shows no bar for a local file, nor for 40 kB or less); the port in its command changes from run
to run.
Rates and times differ on every run: regenerating means updating the values the tests expect.

## Versions
EOF
  echo
  echo "- $(version python3 --version), tqdm $(python3 -c 'import tqdm; print(tqdm.__version__)')," \
    "rich $(python3 -c 'import importlib.metadata as m; print(m.version("rich"))')"
  echo "- $(version pip --version | cut -d' ' -f1-2), its vendored" \
    "$(python3 -c 'import os, pip._vendor as v; print(open(os.path.join(os.path.dirname(v.__file__), "vendor.txt")).read())' | grep '^rich==')"
  echo "- $(version ffmpeg -version | cut -d' ' -f1-3)"
  echo "- $(version script --version)"
  echo
  echo '## Files'
  echo
  sed "s|$WORK/in.mp4|\$IN|g" "$LIST"
} > "$OUT/README.md"
ls -l "$OUT"
