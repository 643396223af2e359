/* cr_input over a stream of the reconstruction kind, every event (fuzz/stream.h). */
#define FZ_KIND CR_KIND_RECON
#include "stream.h"
