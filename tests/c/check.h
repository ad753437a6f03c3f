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

/* Runs `call` (which must use `&err`, declared by the macro), checks its
 * code and, when `field` is not NULL, that the error names it; frees the
 * error. Needs voicecb.h. */
#define EXPECT(call, code, field)                                                         \
    do {                                                                                  \
        voicecb_error *err = NULL;                                                        \
        voicecb_result rc_ = (call);                                                      \
        if (rc_ != (code)) {                                                              \
            fprintf(stderr, "%s:%d: %s gave %d (%s), expected %d\n", __FILE__, __LINE__, \
                    #call, (int)rc_, err ? voicecb_error_message(err) : "no error",       \
                    (int)(code));                                                         \
        }                                                                                 \
        CHECK(rc_ == (code));                                                             \
        if ((code) != VOICECB_OK) {                                                       \
            CHECK(err != NULL);                                                           \
            CHECK(voicecb_error_code(err) == (code));                                     \
            CHECK(voicecb_error_message(err) != NULL);                                    \
            if ((field) != NULL) {                                                        \
                const char *f_ = voicecb_error_field(err);                                \
                if (!streq(f_, (field)))                                                  \
                    fprintf(stderr, "%s:%d: field %s, expected %s\n", __FILE__, __LINE__, \
                            f_ ? f_ : "(null)", (const char *)(field));                   \
                CHECK(streq(f_, (field)));                                                \
            }                                                                             \
        } else {                                                                          \
            CHECK(err == NULL);                                                           \
        }                                                                                 \
        voicecb_error_free(err);                                                          \
    } while (0)

#define NO_FIELD ((const char *)NULL)

#endif
