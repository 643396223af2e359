#!/bin/sh
# Trains the python expert: share/recipes/expert.sh python [WORKDIR [STEPS]] (see there).
exec sh "$(dirname "$0")/expert.sh" python "$@"
