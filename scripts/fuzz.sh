#!/usr/bin/env bash
# fuzz.sh - build NC with AddressSanitizer + UBSan (clang-22) in build-asan/,
# run every fuzzer, then the unit and lit tests in that build (CI runs it at
# the end of scripts/test.sh).
#
#   scripts/fuzz.sh                        # 60 s per fuzzer, as CI
#   NC_FUZZ_SECONDS=3600 scripts/fuzz.sh   # an hour per fuzzer, locally
#   NC_FUZZ_SECONDS=0 scripts/fuzz.sh      # replay and tests only
#
# For each fuzzer fuzz/nc-fuzz-<name>.cpp:
#   1. replays its seed corpus fuzz/corpus/<name>/ and its crash regressions
#      fuzz/regressions/nc-fuzz-<name>/ (every input once);
#   2. fuzzes for NC_FUZZ_SECONDS with a fixed seed, the committed inputs as
#      seeds; new inputs go to a temporary folder, never into the repo;
#   3. prints "fuzz nc-fuzz-<name>: N executions, 0 crashes".
# Exits non-zero on any crash, leak, timeout, out-of-memory or sanitizer
# report; the input that caused it is kept in build-asan/fuzz-artifacts/ (add
# it to fuzz/regressions/nc-fuzz-<name>/ once fixed). See docs/Robustness.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${NC_ASAN_BUILD_DIR:-$ROOT/build-asan}"
FUZZ_SECONDS="${NC_FUZZ_SECONDS:-60}"
start=$SECONDS

"$ROOT/scripts/setup.sh"

echo "== sanitized build (clang-22, ASan + UBSan, libFuzzer) in $BUILD"
if [[ ! -f "$BUILD/build.ninja" ]]; then
  # -O1 with line tables for readable reports; no -DNDEBUG, so assertions
  # (NC's and those in LLVM/MLIR headers) are checked too.
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    -DNC_ENABLE_FUZZING=ON -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    >/dev/null
fi
ninja -C "$BUILD"

# Leaks are errors everywhere (LeakSanitizer is on by default with ASan on
# Linux; said explicitly so that a caller's ASAN_OPTIONS cannot turn it off
# by accident). UBSan reports abort (-fno-sanitize-recover) with a stack.
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
artifacts="$BUILD/fuzz-artifacts"
logs="$BUILD/fuzz-logs"
mkdir -p "$logs"
failed=0
summary=()

for source in "$ROOT"/fuzz/nc-fuzz-*.cpp; do
  target="$(basename "$source" .cpp)"
  name="${target#nc-fuzz-}"
  fuzzer="$BUILD/bin/$target"
  corpus="$ROOT/fuzz/corpus/$name"
  regressions="$ROOT/fuzz/regressions/$target"
  log="$logs/$target.log"
  mkdir -p "$artifacts/$target" "$work/$target"
  seeds=("$corpus")
  [[ -d "$regressions" ]] && seeds+=("$regressions")

  echo "== $target: replaying ${seeds[*]#"$ROOT/"}"
  inputs=()
  while IFS= read -r -d '' f; do inputs+=("$f"); done \
    < <(find "${seeds[@]}" -type f ! -name '*.md' -print0 | sort -z)
  if ((${#inputs[@]} == 0)); then
    echo "fuzz $target: no seed inputs in ${corpus#"$ROOT/"}"
    summary+=("fuzz $target: no seed inputs")
    failed=1
    continue
  fi
  if ! "$fuzzer" -rss_limit_mb=4096 -timeout=20 \
      -artifact_prefix="$artifacts/$target/" "${inputs[@]}" >"$log.replay" 2>&1; then
    tail -n 60 "$log.replay"
    echo "fuzz $target: a committed input fails (log: $log.replay)"
    summary+=("fuzz $target: committed inputs FAIL")
    failed=1
    continue
  fi
  echo "   ${#inputs[@]} inputs, no crash"

  if ((FUZZ_SECONDS <= 0)); then
    summary+=("fuzz $target: ${#inputs[@]} committed inputs replayed, no fuzzing")
    continue
  fi
  echo "== $target: fuzzing for $FUZZ_SECONDS s (seed 1)"
  status=0
  timeout $((FUZZ_SECONDS + 600)) "$fuzzer" -seed=1 -max_len=65536 \
    -rss_limit_mb=4096 -timeout=20 -max_total_time="$FUZZ_SECONDS" \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target/" \
    "$work/$target" "${seeds[@]}" >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  runs="${runs:-0}"
  if grep -q 'libFuzzer: run interrupted' "$log"; then
    line="fuzz $target: $runs executions, interrupted by a signal (log: $log)"
    failed=1
  elif ((status != 0)) ||
     grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^SUMMARY: ' "$log"; then
    tail -n 80 "$log"
    line="fuzz $target: $runs executions, 1 crash (exit $status; log: $log; input in $artifacts/$target/)"
    failed=1
  else
    line="fuzz $target: $runs executions, 0 crashes"
  fi
  echo "$line"
  summary+=("$line")
done

echo "== unit tests (GoogleTest, ASan + UBSan)"
ctest --test-dir "$BUILD" --output-on-failure -j2 || { failed=1; summary+=("unit tests: FAIL"); }
echo "== lit tests (ASan + UBSan)"
"$ROOT/.venv/bin/lit" -sv "$BUILD/test" || { failed=1; summary+=("lit tests: FAIL"); }

echo "== fuzz.sh summary ($((SECONDS - start)) s)"
printf '%s\n' "${summary[@]}"
exit "$failed"
