#!/bin/sh
# Prints what it was built for and what it runs on, then stays up (and stops at once when asked to).
trap 'exit 0' TERM INT
echo "device type ${BUILT_FOR_TYPE}, balena arch ${BUILT_FOR_ARCH}, built on $(cat /built-on-arch), running on $(uname -m)"
while true; do sleep 3600 & wait $!; done
