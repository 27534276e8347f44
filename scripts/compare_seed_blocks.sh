#!/usr/bin/env bash
# Runs `experiment all` on two disjoint seed blocks (weight draws 0-15 and 16-31, and the built-in images of each
# seed) and compares their verdict tables row by row (docs/theory.md §8, "Replication"). Exit 1 when they differ.
# Usage: scripts/compare_seed_blocks.sh [extra experiment options...]   (needs the release build: make build)
set -euo pipefail
tool=${TOOL:-.build/release/decoder-spectra}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for seed in 0 16; do
    start=$(date +%s)
    "$tool" experiment all --seed "$seed" --out "$work/seed-$seed" --force -q "$@" > "$work/table-$seed.txt"
    echo "seed block $seed: $(( $(date +%s) - start )) s"
done
# "claim | setting | measured | predicted | verdict" -> "experiment title / claim | verdict"
verdicts() { awk -F' [|] ' '/^E[0-9]+:|^Theory:/ { title = $1 } NF >= 5 && $1 != "claim" { print title " / " $1 " | " $NF }' "$1"; }
verdicts "$work/table-0.txt" > "$work/v0.txt"
verdicts "$work/table-16.txt" > "$work/v16.txt"
echo "$(wc -l < "$work/v0.txt") rows compared"
if diff "$work/v0.txt" "$work/v16.txt"; then echo "same verdict table for both seed blocks"; else echo "verdicts differ"; exit 1; fi
