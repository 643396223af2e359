# How OpenMP threads wait, as --version shows what libgomp was started with: the
# programs that run models (crenc, crdec, crtag, crmodel) sleep at once (passive),
# crtrain, alone on the cores, spins a while first (GOMP_SPINCOUNT); what the user sets
# is kept. A program that runs no model (crtok) says nothing of it.
for p in crenc crdec crtag crmodel crtrain; do
    printf '%s: ' $p
    env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u CR_REEXEC $p --version | grep '^OpenMP: '
done
printf 'crtok: %s\n' "$(env -u OMP_WAIT_POLICY crtok --version | grep -c '^OpenMP')"
echo "-- the user's spin count"
GOMP_SPINCOUNT=5 env -u OMP_WAIT_POLICY -u CR_REEXEC crtrain --version | grep '^OpenMP: '
echo "-- the user's policy"
OMP_WAIT_POLICY=active env -u GOMP_SPINCOUNT -u CR_REEXEC crtrain --version | grep '^OpenMP: '
OMP_WAIT_POLICY=active env -u GOMP_SPINCOUNT -u CR_REEXEC crtag --version | grep '^OpenMP: '
