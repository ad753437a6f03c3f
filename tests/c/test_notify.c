/*
 * Tests of the notification functions of the C ABI with the shared vectors
 * (tests/vectors/notifications: index.json with its flat "c_checks",
 * the malformed bodies, signed.json), plus NULL and invalid UTF-8 on every
 * pointer argument, borrowed strings staying put, and 8 threads reading one
 * handle. Needs no sandbox. Built with -Wall -Wextra -Werror and run under
 * valgrind and under ASan/UBSan.
 *
 * usage: test_notify tests/vectors/notifications
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "voicecb.h"
#include "check.h"


/* CHECK with a label printed on failure (the vector being run). */
#define CHECK_AT(cond, what)                                                              \
    do {                                                                                  \
        if (cond) {                                                                       \
            passed++;                                                                     \
        } else {                                                                          \
            failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, (what), #cond); \
        }                                                                                 \
    } while (0)


static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}


static const char BAD[] = "\xff\xfe bad utf-8";

/* --- files and a minimal reader for the vectors' JSON ---------------------- */

static char *read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)len + 1);
        if (buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len) {
            buf[len] = '\0';
            if (len_out != NULL) *len_out = (size_t)len;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static char *read_vector(const char *dir, const char *name, size_t *len_out) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *buf = read_file(path, len_out);
    if (buf == NULL) fprintf(stderr, "cannot read %s\n", path);
    return buf;
}

/* Appends the UTF-8 of code point `cp` to out[*n] (room permitting). */
static void put_utf8(char *out, size_t *n, size_t cap, unsigned long cp) {
    char tmp[4];
    size_t k;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    for (size_t i = 0; i < k && *n + 1 < cap; i++) out[(*n)++] = tmp[i];
}

static unsigned long hex4(const char *p) {
    char buf[5] = {0};
    memcpy(buf, p, 4);
    return strtoul(buf, NULL, 16);
}

/* Decodes the JSON string whose opening quote is at `p` into out (NUL-
 * terminated, truncated to cap). Returns the position after the closing
 * quote, or NULL when `p` is not a complete string. */
static const char *json_str(const char *p, char *out, size_t cap) {
    if (p == NULL || *p != '"') return NULL;
    p++;
    size_t n = 0;
    while (*p != '\0' && *p != '"') {
        if (*p != '\\') {
            if (n + 1 < cap) out[n++] = *p;
            p++;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': if (n + 1 < cap) out[n++] = '\n'; p++; break;
        case 't': if (n + 1 < cap) out[n++] = '\t'; p++; break;
        case 'r': if (n + 1 < cap) out[n++] = '\r'; p++; break;
        case 'b': if (n + 1 < cap) out[n++] = '\b'; p++; break;
        case 'f': if (n + 1 < cap) out[n++] = '\f'; p++; break;
        case 'u': {
            if (strlen(p) < 5) return NULL;
            unsigned long cp = hex4(p + 1);
            p += 5;
            if (cp >= 0xD800 && cp < 0xDC00 && p[0] == '\\' && p[1] == 'u' && strlen(p) >= 6) {
                unsigned long lo = hex4(p + 2);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            put_utf8(out, &n, cap, cp);
            break;
        }
        case '\0': return NULL;
        default: if (n + 1 < cap) out[n++] = *p; p++; break; /* \" \\ \/ */
        }
    }
    if (cap > 0) out[n < cap ? n : cap - 1] = '\0';
    return *p == '"' ? p + 1 : NULL;
}

/* The value of "key" found after `from` and before `limit` (NULL: no
 * limit): a pointer to its first character, or NULL. */
static const char *json_value(const char *from, const char *limit, const char *key) {
    char pattern[96];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *p = strstr(from, pattern);
    if (p == NULL || (limit != NULL && p >= limit)) return NULL;
    return p + strlen(pattern);
}

/* A string value (0 when absent or not a string, e.g. null). */
static int json_string(const char *from, const char *limit, const char *key, char *out, size_t cap) {
    const char *v = json_value(from, limit, key);
    return v != NULL && *v == '"' && json_str(v, out, cap) != NULL;
}

/* --- the index: every case through the getters ----------------------------- */

static int kind_code(const char *name) {
    if (streq(name, "callout")) return VOICECB_STATUS_CALLOUT;
    if (streq(name, "alerting")) return VOICECB_STATUS_ALERTING;
    if (streq(name, "answer")) return VOICECB_STATUS_ANSWER;
    if (streq(name, "collectInfo")) return VOICECB_STATUS_COLLECT_INFO;
    if (streq(name, "disconnect")) return VOICECB_STATUS_DISCONNECT;
    return streq(name, "none") ? 0 : -1;
}

static int type_code(const char *name) {
    if (streq(name, "status")) return VOICECB_NOTIFICATION_STATUS;
    if (streq(name, "bill")) return VOICECB_NOTIFICATION_BILL;
    if (streq(name, "other")) return VOICECB_NOTIFICATION_OTHER;
    return -1;
}

/* Runs one flat check ("get:sessionId=...") against a parsed handle. */
static void run_check(const voicecb_notification *n, const char *check, const char *file) {
    char label[1400]; /* file (256) + check (1024) + separator */
    snprintf(label, sizeof label, "%s: %s", file, check);
    const char *eq = strchr(check, '=');
    char key[256] = {0};
    if (eq != NULL && (size_t)(eq - check) < sizeof key) memcpy(key, check, (size_t)(eq - check));
    const char *value = eq != NULL ? eq + 1 : NULL;

    if (strncmp(check, "type=", 5) == 0) {
        CHECK_AT(voicecb_notification_type(n) == type_code(value), label);
    } else if (strncmp(check, "event_type=", 11) == 0) {
        CHECK_AT(streq(voicecb_notification_event_type(n), value), label);
    } else if (strncmp(check, "kind=", 5) == 0) {
        CHECK_AT(voicecb_notification_status_kind(n) == kind_code(value), label);
    } else if (strncmp(check, "state_code=", 11) == 0) {
        int64_t code = -12345;
        voicecb_result rc = voicecb_notification_state_code(n, &code);
        if (streq(value, "none")) {
            CHECK_AT(rc == VOICECB_ERR_NOT_FOUND && code == -12345, label);
        } else {
            CHECK_AT(rc == VOICECB_OK && code == strtoll(value, NULL, 10), label);
        }
    } else if (strncmp(check, "records=", 8) == 0) {
        CHECK_AT(voicecb_notification_record_count(n) == (size_t)strtoul(value, NULL, 10), label);
    } else if (strncmp(check, "get:", 4) == 0) {
        const char *got = voicecb_notification_get(n, key + 4);
        if (!streq(got, value)) fprintf(stderr, "%s: got %s\n", label, got ? got : "(null)");
        CHECK_AT(streq(got, value), label);
    } else if (strncmp(check, "absent:", 7) == 0) {
        CHECK_AT(voicecb_notification_get(n, check + 7) == NULL, label);
    } else if (strncmp(check, "record:", 7) == 0 || strncmp(check, "record_absent:", 14) == 0) {
        int absent = check[6] == '_';
        const char *spec = absent ? check + 14 : key + 7;
        char *end = NULL;
        size_t index = (size_t)strtoul(spec, &end, 10);
        const char *field = end != NULL && *end == ':' ? end + 1 : "";
        const char *got = voicecb_notification_record_get(n, index, field);
        if (absent) {
            CHECK_AT(got == NULL, label);
        } else {
            if (!streq(got, value)) fprintf(stderr, "%s: got %s\n", label, got ? got : "(null)");
            CHECK_AT(streq(got, value), label);
        }
    } else {
        fprintf(stderr, "%s: unknown check\n", label);
        failed++;
    }
}

static void test_index(const char *dir) {
    char *doc = read_vector(dir, "index.json", NULL);
    CHECK(doc != NULL);
    if (doc == NULL) return;
    const char *malformed = strstr(doc, "\"malformed\": [");
    CHECK(malformed != NULL);
    int cases = 0, checks = 0;
    const char *p = doc;
    while ((p = strstr(p, "\"file\": \"")) != NULL && p < malformed) {
        const char *next = strstr(p + 1, "\"file\": \"");
        if (next == NULL || next > malformed) next = malformed;
        char file[256];
        CHECK(json_string(p, next, "file", file, sizeof file));
        size_t len = 0;
        char *body = read_vector(dir, file, &len);
        CHECK_AT(body != NULL, file);
        voicecb_notification *n = NULL;
        EXPECT(voicecb_notification_parse((const uint8_t *)body, len, &n, &err), VOICECB_OK, NO_FIELD);
        free(body); /* the handle keeps nothing of the caller's buffer */

        const char *list = json_value(p, next, "c_checks");
        CHECK_AT(list != NULL && *list == '[', file);
        const char *q = list != NULL ? list + 1 : "]";
        for (;;) {
            while (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t' || *q == ',') q++;
            if (*q != '"') break;
            char check[1024];
            q = json_str(q, check, sizeof check);
            if (q == NULL) break;
            run_check(n, check, file);
            checks++;
        }
        CHECK_AT(q != NULL && *q == ']', file);

        /* Whatever the type: the whole body as JSON, and the getters of the
         * other types give nothing. */
        const char *raw = voicecb_notification_raw_json(n);
        CHECK_AT(raw != NULL && raw[0] == '{' && contains(raw, "\"eventType\""), file);
        CHECK_AT(voicecb_notification_raw_json(n) == raw, file);
        if (voicecb_notification_type(n) != VOICECB_NOTIFICATION_STATUS) {
            CHECK_AT(voicecb_notification_get(n, "sessionId") == NULL, file);
        }
        if (voicecb_notification_type(n) != VOICECB_NOTIFICATION_BILL) {
            CHECK_AT(voicecb_notification_record_count(n) == 0, file);
            CHECK_AT(voicecb_notification_record_get(n, 0, "sessionId") == NULL, file);
        }
        /* The index getters agree with the getters by name. */
        size_t fields = voicecb_notification_field_count(n);
        for (size_t i = 0; i < fields; i++) {
            const char *name = voicecb_notification_field_name(n, i);
            CHECK_AT(voicecb_notification_field_value(n, i) == voicecb_notification_get(n, name), file);
        }
        CHECK_AT(voicecb_notification_field_value(n, fields) == NULL, file);
        size_t count = voicecb_notification_record_count(n);
        for (size_t r = 0; r < count; r++) {
            size_t m = voicecb_notification_record_field_count(n, r);
            CHECK_AT(m > 0, file);
            for (size_t i = 0; i < m; i++) {
                const char *name = voicecb_notification_record_field_name(n, r, i);
                CHECK_AT(voicecb_notification_record_field_value(n, r, i) == voicecb_notification_record_get(n, r, name),
                         file);
            }
            CHECK_AT(voicecb_notification_record_field_value(n, r, m) == NULL, file);
        }
        CHECK_AT(voicecb_notification_record_field_value(n, count, 0) == NULL, file);
        CHECK_AT(voicecb_notification_record_get(n, count, "sessionId") == NULL, file);
        CHECK_AT(voicecb_notification_record_get(n, (size_t)-1, "sessionId") == NULL, file);
        voicecb_notification_free(n);
        cases++;
        p = next;
    }
    CHECK(cases >= 9);
    CHECK(checks >= 80);
    free(doc);
}

static void test_malformed(const char *dir) {
    char *doc = read_vector(dir, "index.json", NULL);
    CHECK(doc != NULL);
    if (doc == NULL) return;
    const char *p = strstr(doc, "\"malformed\": [");
    CHECK(p != NULL);
    int count = 0;
    while (p != NULL && (p = strstr(p, "\"name\": \"")) != NULL) {
        const char *next = strstr(p + 1, "\"name\": \"");
        char name[256], want[512], file[256];
        static char body[8192];
        CHECK(json_string(p, next, "name", name, sizeof name));
        CHECK_AT(json_string(p, next, "error_contains", want, sizeof want), name);
        char *owned = NULL;
        const char *bytes = body;
        size_t len = 0;
        if (json_string(p, next, "body", body, sizeof body)) {
            len = strlen(body);
        } else if (json_string(p, next, "malformed_file", file, sizeof file)) {
            owned = read_vector(dir, file, &len);
            bytes = owned;
        } else {
            CHECK_AT(0, name);
        }
        voicecb_notification *sentinel = (voicecb_notification *)&count, *n = sentinel;
        voicecb_error *err = NULL;
        voicecb_result rc = voicecb_notification_parse((const uint8_t *)bytes, len, &n, &err);
        if (rc != VOICECB_ERR_BAD_NOTIFICATION || !contains(voicecb_error_message(err), want)) {
            fprintf(stderr, "%s: gave %d: %s\n", name, (int)rc, err ? voicecb_error_message(err) : "no error");
        }
        CHECK_AT(rc == VOICECB_ERR_BAD_NOTIFICATION, name);
        CHECK_AT(voicecb_error_code(err) == VOICECB_ERR_BAD_NOTIFICATION, name);
        CHECK_AT(contains(voicecb_error_message(err), want), name);
        CHECK_AT(voicecb_error_field(err) == NULL, name);
        CHECK_AT(n == sentinel, name); /* out-params are written only on success */
        voicecb_error_free(err);
        free(owned);
        count++;
        p = next;
    }
    CHECK(count >= 20);
    free(doc);
}

/* --- signed.json through voicecb_notification_verify ----------------------- */

static void test_signed(const char *dir) {
    char *doc = read_vector(dir, "signed.json", NULL);
    CHECK(doc != NULL);
    if (doc == NULL) return;
    int count = 0, valid = 0;
    const char *p = doc;
    while ((p = strstr(p, "\"name\": \"")) != NULL) {
        const char *next = strstr(p + 1, "\"name\": \"");
        char name[256], key[256], secret[256], url[512], auth[512], xaksk[1024], want[512];
        CHECK(json_string(p, next, "name", name, sizeof name));
        CHECK_AT(json_string(p, next, "app_key", key, sizeof key), name);
        CHECK_AT(json_string(p, next, "app_secret", secret, sizeof secret), name);
        CHECK_AT(json_string(p, next, "url", url, sizeof url), name);
        int has_auth = json_string(p, next, "authorization", auth, sizeof auth);
        int has_xaksk = json_string(p, next, "x_aksk", xaksk, sizeof xaksk);
        const char *v = json_value(p, next, "valid");
        int expect_ok = v != NULL && strncmp(v, "true", 4) == 0;
        const char *w = json_value(p, next, "c_window_secs");
        CHECK_AT(w != NULL, name);
        uint32_t window = w != NULL ? (uint32_t)strtoul(w, NULL, 10) : 0;

        char clock[16], form[16];
        CHECK_AT(json_string(p, next, "signer_clock", clock, sizeof clock), name);
        CHECK_AT(json_string(p, next, "digest_form", form, sizeof form), name);
        int32_t signer = streq(clock, "utc8") ? VOICECB_SIGNER_CLOCK_UTC8 : VOICECB_SIGNER_CLOCK_UTC;
        int32_t digest = streq(form, "plain")   ? VOICECB_DIGEST_FORM_PLAIN
                         : streq(form, "lines") ? VOICECB_DIGEST_FORM_LINES
                                                : VOICECB_DIGEST_FORM_ANY;

        voicecb_error *err = NULL;
        voicecb_result rc = voicecb_notification_verify_with(key, secret, url, has_auth ? auth : NULL,
                                                             has_xaksk ? xaksk : NULL, window, signer, digest, &err);
        /* The defaults of voicecb_notification_verify are UTC and either form. */
        if (signer == VOICECB_SIGNER_CLOCK_UTC && digest == VOICECB_DIGEST_FORM_ANY) {
            voicecb_error *err2 = NULL;
            CHECK_AT(voicecb_notification_verify(key, secret, url, has_auth ? auth : NULL, has_xaksk ? xaksk : NULL,
                                                 window, &err2) == rc,
                     name);
            voicecb_error_free(err2);
        }
        if (expect_ok) {
            if (rc != VOICECB_OK) fprintf(stderr, "%s: %s\n", name, voicecb_error_message(err));
            CHECK_AT(rc == VOICECB_OK && err == NULL, name);
            valid++;
        } else {
            CHECK_AT(json_string(p, next, "c_error_contains", want, sizeof want), name);
            if (rc != VOICECB_ERR_BAD_SIGNATURE || !contains(voicecb_error_message(err), want)) {
                fprintf(stderr, "%s: gave %d: %s (expected \"%s\")\n", name, (int)rc,
                        err ? voicecb_error_message(err) : "no error", want);
            }
            CHECK_AT(rc == VOICECB_ERR_BAD_SIGNATURE, name);
            CHECK_AT(contains(voicecb_error_message(err), want), name);
            CHECK_AT(!contains(voicecb_error_message(err), secret), name);
        }
        voicecb_error_free(err);
        count++;
        p++;
    }
    CHECK(count >= 30);
    CHECK(valid >= 7);
    free(doc);
}

/* --- NULL, invalid UTF-8, sizes -------------------------------------------- */

static const char STATUS[] =
    "{\"eventType\":\"disconnect\",\"statusInfo\":{\"sessionId\":\"s1\",\"stateCode\":\"16\","
    "\"partyType\":1,\"nested\":{\"a\":[1,true]},\"flag\":false,\"ratio\":0.5,\"nothing\":null}}";

static void test_listing_and_time(void) {
    const char *body = "{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"s\","
                       "\"timestamp\":\"2019-01-24 03:04:24\"}}";
    voicecb_notification *n = NULL;
    CHECK(voicecb_notification_parse((const uint8_t *)body, strlen(body), &n, NULL) == VOICECB_OK);
    CHECK(voicecb_notification_field_count(n) == 2);
    CHECK(streq(voicecb_notification_field_name(n, 0), "sessionId"));
    CHECK(streq(voicecb_notification_field_name(n, 1), "timestamp"));
    CHECK(voicecb_notification_field_name(n, 2) == NULL);
    int64_t secs = 0;
    EXPECT(voicecb_notification_time(n, &secs, &err), VOICECB_OK, NO_FIELD);
    CHECK(secs == 1548299064);
    EXPECT(voicecb_notification_time(n, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "unix_secs");
    EXPECT(voicecb_notification_time(NULL, &secs, &err), VOICECB_ERR_NULL_ARGUMENT, "n");
    CHECK(voicecb_notification_record_field_count(n, 0) == 0 && voicecb_notification_record_raw_json(n, 0) == NULL);
    CHECK(voicecb_notification_field_count(NULL) == 0 && voicecb_notification_field_name(NULL, 0) == NULL);
    CHECK(voicecb_notification_record_field_count(NULL, 0) == 0);
    CHECK(voicecb_notification_record_field_name(NULL, 0, 0) == NULL);
    CHECK(voicecb_notification_record_raw_json(NULL, 0) == NULL);
    CHECK(VOICECB_NOTIFICATION_MAX_BODY == 1048576 && VOICECB_NOTIFICATION_MAX_RECORDS == 50);
    voicecb_notification_free(n);
}

static void test_null_and_utf8(void) {
    const uint8_t *status = (const uint8_t *)STATUS;
    size_t status_len = strlen(STATUS);
    voicecb_notification *n = NULL;

    /* parse */
    EXPECT(voicecb_notification_parse(NULL, 0, &n, &err), VOICECB_ERR_BAD_NOTIFICATION, NO_FIELD);
    EXPECT(voicecb_notification_parse(NULL, 5, &n, &err), VOICECB_ERR_NULL_ARGUMENT, "body");
    EXPECT(voicecb_notification_parse(status, status_len, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "out");
    EXPECT(voicecb_notification_parse((const uint8_t *)BAD, strlen(BAD), &n, &err), VOICECB_ERR_BAD_NOTIFICATION, NO_FIELD);
    static const char bad_in_string[] = "{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"\xff\"}}";
    EXPECT(voicecb_notification_parse((const uint8_t *)bad_in_string, strlen(bad_in_string), &n, &err),
           VOICECB_ERR_BAD_NOTIFICATION, NO_FIELD);
    /* A NUL inside the length is part of the body, not its end. */
    EXPECT(voicecb_notification_parse(status, status_len + 1, &n, &err), VOICECB_ERR_BAD_NOTIFICATION, NO_FIELD);
    CHECK(n == NULL);
    CHECK(voicecb_notification_parse(NULL, 5, &n, NULL) == VOICECB_ERR_NULL_ARGUMENT); /* err may be NULL */

    /* 1 MiB is the limit: one byte more is refused unread. */
    size_t max = 1024 * 1024;
    uint8_t *big = malloc(max + 1);
    CHECK(big != NULL);
    if (big != NULL) {
        memset(big, ' ', max + 1);
        memcpy(big, STATUS, status_len);
        EXPECT(voicecb_notification_parse(big, max, &n, &err), VOICECB_OK, NO_FIELD);
        voicecb_notification_free(n);
        n = NULL;
        voicecb_error *err = NULL;
        CHECK(voicecb_notification_parse(big, max + 1, &n, &err) == VOICECB_ERR_BAD_NOTIFICATION);
        CHECK(contains(voicecb_error_message(err), "1048577 bytes"));
        voicecb_error_free(err);
        free(big);
    }
    /* 100k nested arrays: an error, not a crash. */
    size_t deep_len = 100000;
    uint8_t *deep = malloc(deep_len);
    CHECK(deep != NULL);
    if (deep != NULL) {
        memset(deep, '[', deep_len);
        EXPECT(voicecb_notification_parse(deep, deep_len, &n, &err), VOICECB_ERR_BAD_NOTIFICATION, NO_FIELD);
        free(deep);
    }

    /* getters */
    EXPECT(voicecb_notification_parse(status, status_len, &n, &err), VOICECB_OK, NO_FIELD);
    CHECK(n != NULL);
    CHECK(voicecb_notification_type(NULL) == 0);
    CHECK(voicecb_notification_event_type(NULL) == NULL);
    CHECK(voicecb_notification_status_kind(NULL) == 0);
    CHECK(voicecb_notification_get(NULL, "sessionId") == NULL);
    CHECK(voicecb_notification_get(n, NULL) == NULL);
    CHECK(voicecb_notification_get(n, BAD) == NULL);
    CHECK(voicecb_notification_get(n, "") == NULL);
    CHECK(voicecb_notification_record_count(NULL) == 0);
    CHECK(voicecb_notification_record_get(NULL, 0, "sessionId") == NULL);
    CHECK(voicecb_notification_record_get(n, 0, NULL) == NULL);
    CHECK(voicecb_notification_record_get(n, 0, BAD) == NULL);
    CHECK(voicecb_notification_raw_json(NULL) == NULL);
    int64_t code = 7;
    CHECK(voicecb_notification_state_code(NULL, &code) == VOICECB_ERR_NULL_ARGUMENT && code == 7);
    CHECK(voicecb_notification_state_code(n, NULL) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(voicecb_notification_state_code(n, &code) == VOICECB_OK && code == 16);
    voicecb_notification_free(NULL);

    /* Values as text: digits of an integer field as a number, the rest as JSON. */
    CHECK(voicecb_notification_status_kind(n) == VOICECB_STATUS_DISCONNECT);
    CHECK(streq(voicecb_notification_get(n, "stateCode"), "16"));
    CHECK(streq(voicecb_notification_get(n, "partyType"), "1"));
    CHECK(streq(voicecb_notification_get(n, "nested"), "{\"a\":[1,true]}"));
    CHECK(streq(voicecb_notification_get(n, "flag"), "false"));
    CHECK(streq(voicecb_notification_get(n, "ratio"), "0.5"));
    CHECK(voicecb_notification_get(n, "nothing") == NULL);
    /* Borrowed strings stay put while the handle lives. */
    const char *a = voicecb_notification_get(n, "sessionId");
    const char *b = voicecb_notification_get(n, "sessionId");
    CHECK(a == b && streq(a, "s1"));
    CHECK(voicecb_notification_event_type(n) == voicecb_notification_event_type(n));
    voicecb_notification_free(n);

    /* verify */
    const char *auth = "AKSK realm=\"SDP\",profile=\"UsernameToken\",type=\"Appkey\"";
    const char *xa = "UsernameToken Username=\"k\",PasswordDigest=\"AAAA\",Nonce=\"n\",Created=\"2019-01-24T03:04:24Z\"";
    EXPECT(voicecb_notification_verify(NULL, "s", "u", auth, xa, 300, &err), VOICECB_ERR_NULL_ARGUMENT, "app_key");
    EXPECT(voicecb_notification_verify(BAD, "s", "u", auth, xa, 300, &err), VOICECB_ERR_INVALID_UTF8, "app_key");
    EXPECT(voicecb_notification_verify("k", NULL, "u", auth, xa, 300, &err), VOICECB_ERR_NULL_ARGUMENT, "app_secret");
    EXPECT(voicecb_notification_verify("k", BAD, "u", auth, xa, 300, &err), VOICECB_ERR_INVALID_UTF8, "app_secret");
    EXPECT(voicecb_notification_verify("k", "s", NULL, auth, xa, 300, &err), VOICECB_ERR_NULL_ARGUMENT, "url");
    EXPECT(voicecb_notification_verify("k", "s", BAD, auth, xa, 300, &err), VOICECB_ERR_INVALID_UTF8, "url");
    EXPECT(voicecb_notification_verify("k", "s", "u", BAD, xa, 300, &err), VOICECB_ERR_INVALID_UTF8, "authorization");
    EXPECT(voicecb_notification_verify("k", "s", "u", auth, BAD, 300, &err), VOICECB_ERR_INVALID_UTF8, "x_aksk");
    EXPECT(voicecb_notification_verify("k", "s", "u", NULL, xa, 300, &err), VOICECB_ERR_BAD_SIGNATURE, NO_FIELD);
    EXPECT(voicecb_notification_verify("k", "s", "u", auth, NULL, 300, &err), VOICECB_ERR_BAD_SIGNATURE, NO_FIELD);
    EXPECT(voicecb_notification_verify("", "s", "u", auth, xa, 300, &err), VOICECB_ERR_INVALID_ARGUMENT, "app_key");
    EXPECT(voicecb_notification_verify("k", "", "u", auth, xa, 300, &err), VOICECB_ERR_INVALID_ARGUMENT, "app_secret");
    EXPECT(voicecb_notification_verify("k", "s", "", auth, xa, 300, &err), VOICECB_ERR_INVALID_ARGUMENT, "url");
    CHECK(voicecb_notification_verify("k", "s", "u", NULL, NULL, 300, NULL) == VOICECB_ERR_BAD_SIGNATURE);
    EXPECT(voicecb_notification_verify_with(NULL, "s", "u", auth, xa, 300, 0, 0, &err), VOICECB_ERR_NULL_ARGUMENT,
           "app_key");
    EXPECT(voicecb_notification_verify_with("k", "s", "u", auth, xa, 300, 2, 0, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "signer_clock");
    EXPECT(voicecb_notification_verify_with("k", "s", "u", auth, xa, 300, -1, 0, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "signer_clock");
    EXPECT(voicecb_notification_verify_with("k", "s", "u", auth, xa, 300, 0, 3, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "digest_form");
    EXPECT(voicecb_notification_verify_with("k", "s", "u", auth, xa, UINT32_MAX, VOICECB_SIGNER_CLOCK_UTC8,
                                            VOICECB_DIGEST_FORM_LINES, &err),
           VOICECB_ERR_BAD_SIGNATURE, NO_FIELD);
    EXPECT(voicecb_notification_verify("k", "s", "u", auth, xa, 0, &err), VOICECB_ERR_BAD_SIGNATURE, NO_FIELD);
    EXPECT(voicecb_notification_verify("k", "s", "u", auth, xa, UINT32_MAX, &err), VOICECB_ERR_BAD_SIGNATURE, NO_FIELD);
    CHECK(voicecb_notification_field_value(NULL, 0) == NULL);
    CHECK(voicecb_notification_record_field_value(NULL, 0, 0) == NULL);

    /* The two new codes have their own texts. */
    CHECK(contains(voicecb_result_str(VOICECB_ERR_BAD_NOTIFICATION), "notification"));
    CHECK(contains(voicecb_result_str(VOICECB_ERR_BAD_SIGNATURE), "signature"));
    CHECK(!streq(voicecb_result_str(VOICECB_ERR_BAD_NOTIFICATION), voicecb_result_str(VOICECB_ERR_BAD_SIGNATURE)));
    CHECK(streq(voicecb_result_str(VOICECB_ERR_INVALID_HANDLE + 1), "unknown result code"));
}

/* --- 8 threads reading one handle ------------------------------------------ */

enum { THREADS = 8, ROUNDS = 2000 };

struct reader {
    const voicecb_notification *n;
    const char *expect_sid; /* the pointer every thread must get */
    int ok;
};

static void *read_handle(void *arg) {
    struct reader *r = arg;
    int ok = 1;
    for (int i = 0; i < ROUNDS && ok; i++) {
        ok = voicecb_notification_record_get(r->n, 1, "sessionId") == r->expect_sid &&
             streq(voicecb_notification_record_get(r->n, 1, "ttsPlayTimes"), "3") &&
             voicecb_notification_record_count(r->n) == 2 &&
             voicecb_notification_type(r->n) == VOICECB_NOTIFICATION_BILL;
    }
    r->ok = ok;
    return NULL;
}

/* A statusInfo or record of more than VOICECB_NOTIFICATION_MAX_FIELDS
 * fields is refused; exactly that many are read, listed by index. */
static void test_field_cap(void) {
    static const char *heads[] = {"{\"eventType\":\"answer\",\"statusInfo\":{", "{\"eventType\":\"fee\",\"feeLst\":[{"};
    static const char *tails[] = {"}}", "}]}"};
    for (int bill = 0; bill < 2; bill++) {
        for (size_t fields = VOICECB_NOTIFICATION_MAX_FIELDS; fields <= VOICECB_NOTIFICATION_MAX_FIELDS + 1; fields++) {
            size_t cap = 64 + fields * 24;
            char *body = malloc(cap);
            CHECK(body != NULL);
            if (body == NULL) return;
            size_t len = (size_t)snprintf(body, cap, "%s", heads[bill]);
            for (size_t i = 0; i < fields; i++)
                len += (size_t)snprintf(body + len, cap - len, "%s\"f%05zu\":\"v%zu\"", i ? "," : "", i, i);
            len += (size_t)snprintf(body + len, cap - len, "%s", tails[bill]);
            voicecb_notification *n = NULL;
            voicecb_error *e = NULL;
            voicecb_result rc = voicecb_notification_parse((const uint8_t *)body, len, &n, &e);
            if (fields > VOICECB_NOTIFICATION_MAX_FIELDS) {
                CHECK(rc == VOICECB_ERR_BAD_NOTIFICATION && n == NULL);
                CHECK(contains(voicecb_error_message(e), "1025 fields, more than the 1024"));
            } else {
                CHECK(rc == VOICECB_OK);
                size_t count = bill ? voicecb_notification_record_field_count(n, 0) : voicecb_notification_field_count(n);
                CHECK(count == fields);
                const char *last = bill ? voicecb_notification_record_field_value(n, 0, fields - 1)
                                        : voicecb_notification_field_value(n, fields - 1);
                CHECK(streq(last, "v1023"));
                CHECK(streq(bill ? voicecb_notification_record_get(n, 0, "f00512") : voicecb_notification_get(n, "f00512"),
                            "v512"));
            }
            voicecb_error_free(e);
            voicecb_notification_free(n);
            free(body);
        }
    }
}

static void test_threads(const char *dir) {
    size_t len = 0;
    char *body = read_vector(dir, "bill.json", &len);
    CHECK(body != NULL);
    if (body == NULL) return;
    voicecb_notification *n = NULL;
    CHECK(voicecb_notification_parse((const uint8_t *)body, len, &n, NULL) == VOICECB_OK);
    free(body);
    pthread_t tids[THREADS];
    struct reader readers[THREADS];
    const char *sid = voicecb_notification_record_get(n, 1, "sessionId");
    CHECK(sid != NULL);
    for (int i = 0; i < THREADS; i++) {
        readers[i] = (struct reader){n, sid, 0};
        CHECK(pthread_create(&tids[i], NULL, read_handle, &readers[i]) == 0);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tids[i], NULL);
        ok += readers[i].ok;
    }
    CHECK(ok == THREADS);
    voicecb_notification_free(n);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/vectors/notifications\n", argv[0]);
        return 2;
    }
    test_index(argv[1]);
    test_malformed(argv[1]);
    test_signed(argv[1]);
    test_null_and_utf8();
    test_listing_and_time();
    test_field_cap();
    test_threads(argv[1]);
    printf("c-notify: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
