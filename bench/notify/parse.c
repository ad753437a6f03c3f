/*
 * Parses push bodies through the C ABI and lists every field of each, as a
 * receiver that logs a whole push does. Prints one JSON line per file:
 * {"file", "ok", "fields", "ms": [per round], "error"}. Not a test: it
 * measures, and bench/notify/run.py reports.
 *
 * Built against the header of the library it runs with: a header that has
 * VOICECB_NOTIFICATION_MAX_FIELDS (issue 12) reads values by index, an
 * older one by name, which is all that header offers.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "voicecb.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Lists every field; returns how many, adds their lengths to *bytes. */
static size_t list_fields(const voicecb_notification *n, size_t *bytes) {
    size_t total = 0;
    size_t count = voicecb_notification_field_count(n);
    for (size_t i = 0; i < count; i++) {
#ifdef VOICECB_NOTIFICATION_MAX_FIELDS
        const char *v = voicecb_notification_field_value(n, i);
#else
        const char *v = voicecb_notification_get(n, voicecb_notification_field_name(n, i));
#endif
        *bytes += strlen(voicecb_notification_field_name(n, i)) + (v ? strlen(v) : 0);
        total++;
    }
    size_t records = voicecb_notification_record_count(n);
    for (size_t r = 0; r < records; r++) {
        size_t m = voicecb_notification_record_field_count(n, r);
        for (size_t i = 0; i < m; i++) {
            const char *name = voicecb_notification_record_field_name(n, r, i);
#ifdef VOICECB_NOTIFICATION_MAX_FIELDS
            const char *v = voicecb_notification_record_field_value(n, r, i);
#else
            const char *v = voicecb_notification_record_get(n, r, name);
#endif
            *bytes += strlen(name) + (v ? strlen(v) : 0);
            total++;
        }
    }
    return total;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s ROUNDS FILE...\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[1]);
    for (int a = 2; a < argc; a++) {
        size_t len = 0;
        char *body = slurp(argv[a], &len);
        if (body == NULL) {
            fprintf(stderr, "cannot read %s\n", argv[a]);
            return 1;
        }
        printf("{\"file\": \"%s\", \"ms\": [", argv[a]);
        size_t fields = 0, bytes = 0;
        char error[256] = "";
        for (int r = 0; r < rounds; r++) {
            double t0 = now_ms();
            voicecb_notification *n = NULL;
            voicecb_error *err = NULL;
            if (voicecb_notification_parse((const uint8_t *)body, len, &n, &err) == VOICECB_OK) {
                fields = list_fields(n, &bytes);
            } else {
                snprintf(error, sizeof error, "%.200s", voicecb_error_message(err));
                for (char *p = error; *p; p++)
                    if (*p == '"' || *p == '\\') *p = '\'';
            }
            voicecb_notification_free(n);
            voicecb_error_free(err);
            printf("%s%.3f", r ? ", " : "", now_ms() - t0);
        }
        printf("], \"ok\": %s, \"fields\": %zu, \"error\": \"%s\"}\n", error[0] ? "false" : "true", fields, error);
        free(body);
    }
    return 0;
}
