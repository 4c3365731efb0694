#!/bin/sh
# The function's AWS_LAMBDA_EXEC_WRAPPER (Lambda's documented wrapper-script hook): Lambda's Node.js runtime starts
# this script with the command line it would have run, the node binary first, its flags, the runtime's own script
# last. That command line carries --max-semi-space-size=<a twentieth of the function's memory> (77 MB at 1,536 MB),
# and a command-line flag beats NODE_OPTIONS, so the function's environment cannot lower it: this script can.
#
# Why lower it: the reaper keeps nothing per canvas, so its peak RSS is the garbage of a young generation of three
# semi-spaces (V8 rounds 77 up to 128 MB: 384 MB) plus old-space growth between major collections. A smaller young
# generation is scavenged more often, which costs CPU. Why 16: in the bench's sweep (bench/cpu-ab.ts --semi-space,
# CHANGELOG "Performance") 16 MB cut the peak by more than half at no measurable CPU cost; halving it again saved
# little memory for clearly more CPU per canvas, doubling it cost memory for no CPU gain. The bench starts its reaper
# process through this same script (bench/lambda-runtime.ts).
#
# Each --max-semi-space-size flag of the runtime is replaced by ours; without one, ours goes right after the node
# binary. Every other argument passes unchanged, in order, and the runtime is exec'd (same process, same signals).
set -eu

REAPER_SEMI_SPACE_MB=16
ours="--max-semi-space-size=${REAPER_SEMI_SPACE_MB}"

if [ "$#" -eq 0 ]; then
  echo "exec-wrapper: started without a command line to run" >&2
  exit 127
fi

replaced=no
position=0
for arg do
  shift
  position=$((position + 1))
  case "$arg" in
    --max-semi-space-size=* | --max_semi_space_size=*)
      arg="$ours"
      replaced=yes
      ;;
  esac
  set -- "$@" "$arg"
done

if [ "$replaced" = no ]; then
  node="$1"
  shift
  set -- "$node" "$ours" "$@"
fi

exec "$@"
