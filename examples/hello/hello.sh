#!/bin/sh
# Prints a recognisable line every two seconds. Edit message.txt during `edgepush push` (livepush) or push
# again: the new text shows up at once.
trap 'exit 0' TERM INT
n=0
while :; do
  n=$((n + 1))
  echo "Hello from EdgePush: $(cat /app/message.txt) (#$n)"
  sleep 2 &
  wait $!
done
