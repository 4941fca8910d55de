#!/bin/sh
# Run a command in a new, empty network namespace (loopback only), so that
# nothing it does can put a packet on the host's network.
exec unshare --net -- "$@"
