/* cr_input over a stream of the token kind, every event (fuzz/stream.h). */
#define FZ_KIND CR_KIND_TOKENS
#include "stream.h"
