#!/usr/bin/env bash
# cmake --install puts the program, its manual page and its bash completion
# under a prefix; the installed program runs a shipped scenario from outside
# the source tree (the System.map is built in); the manual page renders
# without warnings and has every command's options and every policy; the
# completion offers every policy after --sched and each command's options.
set -u
bin=$1 src=$2
build=$(dirname "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cmake --install "$build" --prefix "$tmp/p" >/dev/null || fail "cmake --install"
p=$tmp/p
[ -x "$p/bin/vcpulab" ] || fail "no bin/vcpulab"
man=$p/share/man/man1/vcpulab.1
[ -f "$man" ] || fail "no share/man/man1/vcpulab.1"
comp=$p/share/bash-completion/completions/vcpulab
[ -f "$comp" ] || fail "no bash completion"
cp "$src/scenarios/baseline.yaml" "$tmp/s.yaml"
(cd "$tmp" && "$p/bin/vcpulab" run s.yaml --duration 1500ms --quiet --json out.json) ||
  fail "the installed program does not run a scenario outside the tree"
[ -s "$tmp/out.json" ] || fail "no JSON from the installed program"

text=$(groff -man -Tutf8 -ww "$man" 2>"$tmp/warn") || fail "groff cannot render the page"
[ -s "$tmp/warn" ] && fail "groff warns: $(head -3 "$tmp/warn")"
for c in run compare sweep merge plot import-rtapp list describe validate; do
  for o in $("$bin" "$c" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    grep -qF -- "$o" <<<"$text" || fail "the page lacks $c's $o"
  done
done
policies=$("$bin" list policies | awk '{print $1}')
for pol in $policies; do
  grep -qw -- "$pol" <<<"$text" || fail "the page lacks policy $pol"
done

out=$(bash -c 'shopt -s extglob; source "$1"; COMP_WORDS=("$2" run x.yaml --sched ""); COMP_CWORD=4
               _vcpulab; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$bin") ||
  fail "the completion script fails"
[ "$(sort <<<"$out")" = "$(sort <<<"$policies")" ] || fail "--sched completes to: $out"
out=$(bash -c 'shopt -s extglob; source "$1"; COMP_WORDS=("$2" sweep x.yaml --su); COMP_CWORD=3
               _vcpulab; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$bin")
[ "$out" = "--summary" ] || fail "sweep --su completes to: $out"
out=$(bash -c 'shopt -s extglob; source "$1"; COMP_WORDS=("$2" plot x.csv --lo); COMP_CWORD=3
               _vcpulab; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$bin")
[ "$(echo $out)" = "--logx --logy" ] || fail "plot --lo completes to: $out"
echo "ok: installed under a prefix; page and completion cover $(wc -w <<<"$policies") policies"
