#!/bin/sh
# Reads what `counter` writes to the shared volume.
trap 'exit 0' TERM INT
while :; do
  echo "$GREETING from $SERVICE on $DEVICE_TYPE ($DEVICE_ARCH): counter is at $(cat /data/count 2>/dev/null || echo nothing yet)"
  sleep 3 &
  wait $!
done
