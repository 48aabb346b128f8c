#!/usr/bin/env bash
# Installs the Debian packages the scale-out cluster needs (make scale-up,
# make test-scale), only those missing. Kept apart from the default list:
# the single-machine default (make run, make test) needs none of them.
# The cluster runs its own instances on its own loopback ports with data in
# the state folder; the packages' system services are not used.
exec "$(dirname "$0")/apt-packages.sh" postgresql redis-server haproxy
