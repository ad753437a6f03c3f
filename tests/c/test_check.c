/*
 * voicecb_client_check through the C ABI, against a running sandbox
 * (tests/with-sandbox.sh): accepted credentials with every getter, a wrong
 * secret, a clock offset of 10 minutes, a wrong path prefix, a refusing
 * port, a server that never answers (ended by timeout_ms), NULL arguments.
 * Built with -Wall -Wextra -Werror and run under valgrind and ASan/UBSan.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "voicecb.h"
#include "check.h"
#include "silent_port.h"

static const char *KEY = "sandbox-app-key";
static const char *SECRET = "sandbox-app-secret";

/* A client for `base_url` (the sandbox's when NULL) with these credentials,
 * a clock offset and, for a path, allow_base_url_path. */
static voicecb_client *client_for(const char *base_url, const char *secret, int64_t offset) {
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    if (voicecb_options_new(&opts) != VOICECB_OK) return NULL;
    const char *base = base_url ? base_url : getenv("VOICECB_BASE_URL");
    voicecb_options_set_base_url(opts, base, NULL);
    voicecb_options_set_allow_base_url_path(opts, true, NULL);
    voicecb_options_set_clock_offset_secs(opts, offset, NULL);
    voicecb_options_set_timeout_ms(opts, 5000, NULL);
    voicecb_client_new(KEY, secret, opts, &client, NULL);
    voicecb_options_free(opts);
    return client;
}

/* Runs a check; NULL if the call itself failed. */
static voicecb_check_report *check(voicecb_client *client, uint32_t timeout_ms) {
    voicecb_check_report *report = NULL;
    voicecb_error *err = NULL;
    voicecb_result rc = voicecb_client_check(client, timeout_ms, &report, &err);
    CHECK(rc == VOICECB_OK);
    CHECK(err == NULL);
    voicecb_error_free(err);
    return report;
}

/* Step `i`'s status ("ok", "failed", ...). */
static const char *step_status(const voicecb_check_report *r, size_t i) {
    return voicecb_check_report_step(r, i, 1);
}

static bool contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static void accepted(void) {
    voicecb_client *client = client_for(NULL, SECRET, 0);
    CHECK(client != NULL);
    voicecb_check_report *r = check(client, 0);
    CHECK(r != NULL);
    CHECK(voicecb_check_report_passed(r));
    CHECK(voicecb_check_report_verdict(r) == VOICECB_CHECK_ACCEPTED);
    CHECK(streq(voicecb_check_report_verdict_name(r), "accepted"));
    CHECK(voicecb_check_report_http_status(r) == 500);
    CHECK(streq(voicecb_check_report_result_code(r), "1020152"));
    CHECK(voicecb_check_report_result_desc(r) != NULL);
    CHECK(voicecb_check_report_address_count(r) == 1);
    CHECK(contains(voicecb_check_report_address(r, 0), "127.0.0.1:"));
    CHECK(voicecb_check_report_address(r, 1) == NULL);
    CHECK(contains(getenv("VOICECB_BASE_URL"), voicecb_check_report_endpoint(r)));
    CHECK(voicecb_check_report_connect_us(r) >= 0);
    CHECK(voicecb_check_report_probe_us(r) >= 0);
    /* http://: no handshake. */
    CHECK(voicecb_check_report_tls_version(r) == NULL);
    CHECK(voicecb_check_report_tls_subject(r) == NULL);
    CHECK(voicecb_check_report_tls_not_after(r) == NULL);
    CHECK(voicecb_check_report_tls_verified_by(r) == NULL);
    CHECK(voicecb_check_report_platform_time(r) != NULL);
    int64_t skew = INT64_MIN;
    CHECK(voicecb_check_report_clock_skew(r, &skew));
    CHECK(skew != INT64_MIN);
    CHECK(voicecb_check_report_step_count(r) == 6);
    const char *names[] = {"resolve", "connect", "tls", "probe", "clock", "credentials"};
    for (size_t i = 0; i < 6; i++) {
        CHECK(streq(voicecb_check_report_step(r, i, 0), names[i]));
        CHECK(voicecb_check_report_step(r, i, 2) != NULL);
        CHECK(voicecb_check_report_step(r, i, 3) == NULL);
    }
    CHECK(streq(step_status(r, 2), "skipped"));
    CHECK(streq(step_status(r, 5), "ok"));
    CHECK(voicecb_check_report_step(r, 6, 0) == NULL);
    CHECK(voicecb_check_report_step(r, 0, 4) == NULL);
    CHECK(contains(voicecb_check_report_json(r), "\"verdict\":\"accepted\""));
    CHECK(contains(voicecb_check_report_checklist(r), "every step passed"));
    CHECK(contains(voicecb_check_report_advice(r), "no call was placed"));
    voicecb_check_report_free(r);
    voicecb_client_free(client);
}

/* A failed check: its verdict, the credentials step failed with advice,
 * and no text holds `secret`. */
static void refused(const char *base, const char *secret, int64_t offset, int32_t verdict,
                    const char *name) {
    voicecb_client *client = client_for(base, secret, offset);
    CHECK(client != NULL);
    voicecb_check_report *r = check(client, 0);
    CHECK(r != NULL);
    CHECK(!voicecb_check_report_passed(r));
    CHECK(voicecb_check_report_verdict(r) == verdict);
    CHECK(streq(voicecb_check_report_verdict_name(r), name));
    CHECK(streq(step_status(r, 3), "ok"));
    CHECK(streq(step_status(r, 5), "failed"));
    CHECK(voicecb_check_report_step(r, 5, 3) != NULL);
    CHECK(contains(voicecb_check_report_checklist(r), "FAIL  credentials"));
    CHECK(!contains(voicecb_check_report_json(r), secret));
    CHECK(!contains(voicecb_check_report_checklist(r), secret));
    voicecb_check_report_free(r);
    voicecb_client_free(client);
}

static void unreachable(void) {
    int fd = -1;
    int port = silent_port(&fd);
    CHECK(port > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    voicecb_client *client = client_for(url, SECRET, 0);
    /* Only timeout_ms can end it: the server holds the connection. */
    voicecb_check_report *r = check(client, 1000);
    CHECK(voicecb_check_report_verdict(r) == VOICECB_CHECK_TIMEOUT);
    CHECK(streq(step_status(r, 1), "ok"));
    CHECK(streq(step_status(r, 3), "failed"));
    /* The limit that ran out is timeout_ms's (the call's own), not the client's 5 s. */
    CHECK(contains(voicecb_check_report_step(r, 3, 2), "the call's own timeout"));
    CHECK(voicecb_check_report_http_status(r) == 0);
    CHECK(voicecb_check_report_probe_us(r) == -1);
    voicecb_check_report_free(r);
    voicecb_client_free(client);
    /* Closed: the port now refuses. */
    close(fd);
    client = client_for(url, SECRET, 0);
    r = check(client, 0);
    CHECK(voicecb_check_report_verdict(r) == VOICECB_CHECK_CONNECT_FAILED);
    CHECK(streq(step_status(r, 1), "failed"));
    CHECK(voicecb_check_report_connect_us(r) == -1);
    int64_t skew = 42;
    CHECK(!voicecb_check_report_clock_skew(r, &skew));
    CHECK(skew == 42);
    voicecb_check_report_free(r);
    voicecb_client_free(client);
}

static void null_arguments(void) {
    voicecb_client *client = client_for(NULL, SECRET, 0);
    voicecb_check_report *r = (voicecb_check_report *)0x1;
    voicecb_error *err = NULL;
    CHECK(voicecb_client_check(NULL, 0, &r, &err) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(r == (voicecb_check_report *)0x1);
    CHECK(streq(voicecb_error_field(err), "client"));
    voicecb_error_free(err);
    err = NULL;
    CHECK(voicecb_client_check(client, 0, NULL, &err) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(streq(voicecb_error_field(err), "report_out"));
    voicecb_error_free(err);
    CHECK(!voicecb_check_report_passed(NULL));
    CHECK(voicecb_check_report_verdict(NULL) == -1);
    CHECK(voicecb_check_report_json(NULL) == NULL);
    CHECK(voicecb_check_report_step_count(NULL) == 0);
    voicecb_check_report_free(NULL);
    voicecb_client_free(client);
}

int main(void) {
    if (getenv("VOICECB_BASE_URL") == NULL) {
        fprintf(stderr, "test_check: run it through tests/with-sandbox.sh\n");
        return 2;
    }
    accepted();
    refused(NULL, "not-the-secret", 0, VOICECB_CHECK_WRONG_SECRET, "wrong_secret");
    refused(NULL, SECRET, 600, VOICECB_CHECK_CLOCK_SKEW, "clock_skew");
    char with_path[256];
    snprintf(with_path, sizeof with_path, "%s/voice", getenv("VOICECB_BASE_URL"));
    refused(with_path, SECRET, 0, VOICECB_CHECK_WRONG_PATH, "wrong_path");
    unreachable();
    null_arguments();
    printf("test_check: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
