/* cr_input over a stream of the latent kind, every event (fuzz/stream.h). */
#define FZ_KIND CR_KIND_LATENTS
#include "stream.h"
