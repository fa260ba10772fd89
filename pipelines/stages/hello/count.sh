#!/bin/sh
# Counts to three with a progress line, then writes a greeting and hands it over as an entity.
set -eu

echo "counting to three for $PIPE_PARAM_NAME"
for i in 1 2 3; do
  echo "$i..."
done
echo "::pipe:progress 1/2 counted"
sleep 1

# Entity paths are relative to the stage's working directory, here the workspace, where runs/<run id>/ lives.
mkdir -p "runs/$PIPE_RUN_ID/work"
printf 'hello, %s, from run %s\n' "$PIPE_PARAM_NAME" "$PIPE_RUN_ID" > "runs/$PIPE_RUN_ID/work/greeting.txt"
echo "::pipe:progress 2/2 done"
echo "::pipe:entity greeting runs/$PIPE_RUN_ID/work/greeting.txt"
