#!/usr/bin/env bash
# trim-system-map.sh FULL_MAP[.gz] SYMBOLS > TRIMMED
# Keeps, from a System.map ("ADDR TYPE NAME" per line), every text symbol
# named in SYMBOLS (one per line, # comments) and the symbol that follows it
# in address order, which marks where the function ends.  This is how
# data/System.map-6.1.0-56-cloud-amd64.trimmed was made (data/README.md).
set -euo pipefail
full=$1 symbols=$2
cat_map() { case "$full" in *.gz) zcat "$full" ;; *) cat "$full" ;; esac; }
grep -v '^#' "$symbols" | awk 'NF' >/tmp/trim-names.$$
cat_map | sort -k1,1 | awk -v names=/tmp/trim-names.$$ '
  BEGIN { while ((getline n < names) > 0) want[n] = 1 }
  $2 ~ /^[tTwW]$/ {
    if (keep_next) { print; keep_next = 0; printed[NR] = 1 }
    if ($3 in want) { if (!(NR in printed)) print; keep_next = 1; found[$3] = 1 }
  }
  END { for (n in want) if (!(n in found)) print "trim-system-map: not in the map: " n > "/dev/stderr" }'
rm -f /tmp/trim-names.$$
