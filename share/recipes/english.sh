#!/bin/sh
# Trains the english expert: share/recipes/expert.sh english [WORKDIR [STEPS]] (see there).
exec sh "$(dirname "$0")/expert.sh" english "$@"
