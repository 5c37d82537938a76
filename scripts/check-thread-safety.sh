#!/usr/bin/env bash
# Clang's thread-safety analysis (engine/base/thread_annotations.h) over the
# project's sources, without building anything: clang++ -fsyntax-only with
# -Wthread-safety as an error, each file with the flags CMake gave it in
# build/compile_commands.json (any build tree: GCC's flags that clang does not
# know are dropped).
#
#   scripts/check-thread-safety.sh [FILE...]   default: every engine/,
#                                              channels/, cli/, devices/ source
#
# Environment: BUILD (build), JOBS (nproc). Exit 1 on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
JOBS="${JOBS:-$(nproc)}"
db="$BUILD/compile_commands.json"
[[ -f $db ]] || { echo "check-thread-safety: no $db (configure a build tree first)" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "check-thread-safety: clang++ missing" >&2; exit 2; }

# One line per file: the file, a tab, its compile command as clang runs it.
python3 - "$db" "$@" >"$BUILD/thread-safety.commands" <<'PY'
import json, os, shlex, sys
db, wanted = sys.argv[1], [os.path.abspath(f) for f in sys.argv[2:]]
roots = tuple(os.path.abspath(d) + "/" for d in ("engine", "channels", "cli", "devices"))
drop_prefix = ("-Wshadow=", "-fno-fat-lto", "-flto", "-o", "-MD", "-MT", "-MF", "-Werror")
seen = set()
for entry in json.load(open(db)):
    f = os.path.abspath(os.path.join(entry["directory"], entry["file"]))
    if f in seen or (wanted and f not in wanted) or (not wanted and not f.startswith(roots)):
        continue
    seen.add(f)
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = ["clang++"], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MT", "-MF"):
            skip = True
            continue
        if a.startswith(drop_prefix) or a in ("-c", f, entry["file"]) or "ccache" in a:
            continue
        out.append(a)
    if os.path.basename(out[1]) in ("c++", "g++", "clang++"):
        out.pop(1)  # the compiler behind the ccache launcher
    out += ["-fsyntax-only", "-Wno-unknown-warning-option", "-Wno-unused-command-line-argument",
            "-Wthread-safety", "-Werror=thread-safety", f]
    print(f + "\t" + entry["directory"] + "\t" + shlex.join(out))
PY
n=$(wc -l <"$BUILD/thread-safety.commands")
echo "check-thread-safety: $n files"
# Each line: cd to its directory, run its command; stop at the end with the failures listed.
failed=0
cut -f2- "$BUILD/thread-safety.commands" |
  xargs -P "$JOBS" -d '\n' -I{} bash -c 'dir=${1%%$'"'"'\t'"'"'*}; cmd=${1#*$'"'"'\t'"'"'}; cd "$dir" && eval "$cmd" 2>&1 | grep -A3 "thread-safety\|error:" ; exit "${PIPESTATUS[0]}"' _ {} || failed=1
if [[ $failed -ne 0 ]]; then
  echo "check-thread-safety: findings above" >&2
  exit 1
fi
echo "check-thread-safety: clean"
