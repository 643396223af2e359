#!/bin/sh
# Trains the c expert: share/recipes/expert.sh c [WORKDIR [STEPS]] (see there).
exec sh "$(dirname "$0")/expert.sh" c "$@"
