/* A main for a fuzz target without libFuzzer: runs it once on each file named, as
 * tests/cli/fuzz_regress.sh does with the inputs under fuzz/regress/TARGET. Build it with
 * the target's .c and libcr.a:  cc -Ifuzz fuzz/replay.c fuzz/fuzz_model.c build/libcr.a ... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        size_t cap = 1 << 16, n = 0, got;
        uint8_t *b = malloc(cap);
        if (!f || !b) {
            perror(argv[i]);
            return 2;
        }
        while ((got = fread(b + n, 1, cap - n, f)) > 0)
            if ((n += got) == cap && !(b = realloc(b, cap *= 2))) {
                perror(argv[i]);
                return 2;
            }
        fclose(f);
        LLVMFuzzerTestOneInput(b, n);
        free(b);
    }
    return 0;
}
