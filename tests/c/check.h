/*
 * The counting check of the C test programs: each failed check is printed
 * with its place, and the program ends with "NAME: N passed, N failed".
 * Each test program is one translation unit, so the counters are static.
 */
#ifndef VOICECB_TEST_CHECK_H
#define VOICECB_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) {                                                                 \
            passed++;                                                               \
        } else {                                                                    \
            failed++;                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

static inline int streq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

#endif
