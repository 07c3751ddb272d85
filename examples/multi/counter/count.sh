#!/bin/sh
# Writes an increasing number to the shared volume once a second.
trap 'exit 0' TERM INT
n=$(cat /data/count 2>/dev/null || echo 0)
while :; do
  n=$((n + 1))
  echo "$n" > /data/count.tmp && mv /data/count.tmp /data/count
  echo "counter: $n"
  sleep 1 &
  wait $!
done
