/*
 * Tests of the C ABI against a running sandbox (see tests/with-sandbox.sh):
 * both calls, a platform refusal with its catalogue entry, every function
 * given NULL and invalid UTF-8, validation errors naming the field,
 * out-parameters left alone on failure, the shared signing vectors, and
 * 8 threads sharing one client. Built with -Wall -Wextra -Werror and run
 * under valgrind and under ASan/UBSan.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "voicecb.h"
#include "check.h"
#include "sandbox_admin.h"

#ifndef EXPECT_VERSION
#error "compile with -DEXPECT_VERSION=\"x.y.z\" taken from Cargo.toml"
#endif




static const char BAD[] = "\xff\xfe bad utf-8";
static const char *DISPLAY = "+8675512345678";
static const char *CALLER = "+8613800000001";
static const char *CALLEE = "+8613800000002";

static void test_version(void) {
    char expect[64];
    snprintf(expect, sizeof expect, "%d.%d.%d", VOICECB_VERSION_MAJOR, VOICECB_VERSION_MINOR,
             VOICECB_VERSION_PATCH);
    CHECK(streq(expect, EXPECT_VERSION));
    CHECK(streq(voicecb_version(), "libvoicecb/" EXPECT_VERSION));
    CHECK(streq(voicecb_version(), VOICECB_VERSION_STRING));
    CHECK(voicecb_abi_version() == VOICECB_ABI_VERSION);
}

static void test_result_str(void) {
    CHECK(streq(voicecb_result_str(VOICECB_OK), "success"));
    for (int code = VOICECB_ERR_NULL_ARGUMENT; code <= VOICECB_ERR_INVALID_HANDLE; code++) {
        const char *s = voicecb_result_str(code);
        CHECK(s != NULL && strlen(s) > 5 && !streq(s, "unknown result code"));
    }
    CHECK(streq(voicecb_result_str(-1), "unknown result code"));
    CHECK(streq(voicecb_result_str(VOICECB_ERR_INVALID_HANDLE + 1), "unknown result code"));
}

static void test_both_calls(void) {
    voicecb_client *client = sandbox_client(getenv("VOICECB_APP_SECRET"));
    CHECK(client != NULL);
    voicecb_click2call *req = NULL;
    EXPECT(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_max_duration(req, 60, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_last_min_voice(req, "lastmin_voice1.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_last_min_to_ue(req, VOICECB_LAST_MIN_TO_UE_BOTH, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_play_pre_voice(req, true, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_pre_voice(req, "pre_voice1.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_wait_voice(req, "wait_voice1.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_callee_media(req, VOICECB_CALLEE_MEDIA_FAIL, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_status_url(req, "https://example.com/status", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_fee_url(req, "http://127.0.0.1:8080/fee", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_record_flag(req, true, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_record_hint_tone(req, "hint.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_party_type_required_in_disconnect(req, true, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_return_idle_port(req, true, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_user_data(req, "customerId123", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_display_callee_nbr(req, DISPLAY, &err), VOICECB_OK, NO_FIELD);

    char *session_id = NULL;
    int32_t idle = -2;
    EXPECT(voicecb_click2call_send(client, req, 0, &session_id, &idle, &err), VOICECB_OK, NO_FIELD);
    CHECK(session_id != NULL && strstr(session_id, "@") != NULL);
    CHECK(idle >= 0 && idle <= 65535);
    EXPECT(voicecb_call_stop(client, session_id, 0, &err), VOICECB_OK, NO_FIELD);

    /* The session has ended: the platform refuses a second stop. */
    voicecb_error *err = NULL;
    CHECK(voicecb_call_stop(client, session_id, 0, &err) == VOICECB_ERR_PLATFORM);
    CHECK(voicecb_error_http_status(err) == 500);
    CHECK(streq(voicecb_error_result_code(err), "1020152"));
    const voicecb_code_info *info = voicecb_error_code_info(err);
    CHECK(streq(voicecb_code_info_en(info), "Invalid sessionid."));
    CHECK(voicecb_code_info_category(info) == VOICECB_CATEGORY_PARAMETER);
    voicecb_error_free(err);
    voicecb_string_free(session_id);

    /* Without returnIdlePort the count is -1, and NULL out-params are fine. */
    voicecb_click2call *plain = NULL;
    EXPECT(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &plain, &err), VOICECB_OK, NO_FIELD);
    session_id = NULL;
    idle = 7;
    EXPECT(voicecb_click2call_send(client, plain, 5000, &session_id, &idle, &err), VOICECB_OK, NO_FIELD);
    CHECK(idle == -1);
    voicecb_string_free(session_id);
    session_id = NULL;
    CHECK(voicecb_click2call_send(client, plain, 0, &session_id, NULL, NULL) == VOICECB_OK);
    CHECK(voicecb_call_stop(client, session_id, 0, NULL) == VOICECB_OK);
    voicecb_string_free(session_id);
    voicecb_click2call_free(plain);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

static void test_platform_refusal(void) {
    voicecb_client *client = sandbox_client("not-the-secret");
    CHECK(client != NULL);
    voicecb_click2call *req = NULL;
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    static char sentinel[] = "untouched";
    char *session_id = sentinel;
    int32_t idle = 12345;
    voicecb_error *err = NULL;
    CHECK(voicecb_click2call_send(client, req, 0, &session_id, &idle, &err) == VOICECB_ERR_PLATFORM);
    CHECK(session_id == sentinel && idle == 12345); /* out-params written only on success */
    CHECK(voicecb_error_code(err) == VOICECB_ERR_PLATFORM);
    CHECK(voicecb_error_http_status(err) == 401);
    CHECK(streq(voicecb_error_result_code(err), "1010010"));
    CHECK(voicecb_error_result_desc(err) != NULL);
    CHECK(voicecb_error_field(err) == NULL);
    const voicecb_code_info *info = voicecb_error_code_info(err);
    CHECK(info != NULL);
    CHECK(voicecb_code_info_http_status(info) == 401);
    CHECK(streq(voicecb_code_info_code(info), "1010010"));
    CHECK(streq(voicecb_code_info_en(info), "Invalid digest."));
    CHECK(streq(voicecb_code_info_zh(info), "PasswordDigest校验失败。"));
    CHECK(streq(voicecb_code_info_advice(info), "Check that PasswordDigest is filled in correctly."));
    CHECK(streq(voicecb_code_info_advice_zh(info), "请检查PasswordDigest字段填写是否正确。"));
    CHECK(voicecb_code_info_category(info) == VOICECB_CATEGORY_SIGNATURE);
    CHECK(!voicecb_code_info_retryable(info));
    CHECK(strstr(voicecb_error_message(err), "Invalid digest.") != NULL);
    CHECK(strstr(voicecb_error_message(err), "not-the-secret") == NULL);
    /* The message is English and says what the library knows: it made the
     * digest itself, so the secret is wrong. */
    CHECK(strstr(voicecb_error_message(err), "advice: Check that PasswordDigest is filled in correctly.") != NULL);
    CHECK(strstr(voicecb_error_message(err), "so that secret is wrong for this app_key") != NULL);
    CHECK(strstr(voicecb_error_message(err), "请检查") == NULL);
    voicecb_error_free(err);

    /* A display number that is not the app's is refused with 403/1010023. */
    voicecb_client_free(client);
    client = sandbox_client(getenv("VOICECB_APP_SECRET"));
    voicecb_click2call *other = NULL;
    CHECK(voicecb_click2call_new("+8675599999999", CALLER, CALLEE, &other, NULL) == VOICECB_OK);
    err = NULL;
    CHECK(voicecb_click2call_send(client, other, 0, &session_id, NULL, &err) == VOICECB_ERR_PLATFORM);
    CHECK(voicecb_error_http_status(err) == 403 && streq(voicecb_error_result_code(err), "1010023"));
    CHECK(voicecb_code_info_category(voicecb_error_code_info(err)) == VOICECB_CATEGORY_NUMBER);
    voicecb_error_free(err);
    voicecb_click2call_free(other);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

/* Reads as success, sessionId included, so that only the HTTP status tells
 * it is not one. */
#define SUCCESS_BODY_JSON                                                                        \
    "{\\\"resultcode\\\":\\\"0\\\",\\\"resultdesc\\\":\\\"Success\\\",\\\"sessionId\\\":"          \
    "\\\"1200_366_0_20161228102743@callenabler.home1.com\\\"}"

static void test_http_error_with_code_0(void) {
    voicecb_client *client = sandbox_client(getenv("VOICECB_APP_SECRET"));
    voicecb_click2call *req = NULL;
    CHECK(client != NULL);
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    CHECK(sandbox_admin_post("/__sandbox/next",
                             "{\"http_status\":500,\"count\":1,\"raw_body\":\"" SUCCESS_BODY_JSON "\"}"));
    char *sid = NULL;
    voicecb_error *err = NULL;
    voicecb_result rc = voicecb_click2call_send(client, req, 0, &sid, NULL, &err);
    if (rc != VOICECB_ERR_PLATFORM)
        fprintf(stderr, "click2Call, HTTP 500 with resultcode 0: gave %s\n", voicecb_result_str(rc));
    CHECK(rc == VOICECB_ERR_PLATFORM);
    CHECK(voicecb_error_http_status(err) == 500 && streq(voicecb_error_result_code(err), "0"));
    CHECK(sid == NULL);
    voicecb_string_free(sid);
    voicecb_error_free(err);

    CHECK(sandbox_admin_post("/__sandbox/next", "{\"http_status\":500,\"resultcode\":\"0\",\"count\":1}"));
    err = NULL;
    rc = voicecb_call_stop(client, "1200_366_0_20161228102743@callenabler.home1.com", 0, &err);
    if (rc != VOICECB_ERR_PLATFORM)
        fprintf(stderr, "callStop, HTTP 500 with resultcode 0: gave %s\n", voicecb_result_str(rc));
    CHECK(rc == VOICECB_ERR_PLATFORM);
    CHECK(voicecb_error_http_status(err) == 500 && streq(voicecb_error_result_code(err), "0"));
    voicecb_error_free(err);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

/* The setters refuse a bad value with the field and the rule, and leave the
 * request as it was; the send still checks the whole request. */
static void test_setters_check_their_value(void) {
    voicecb_click2call *req = NULL;
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    voicecb_error *err = NULL;
    CHECK(voicecb_click2call_set_max_duration(req, 5000, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(streq(voicecb_error_field(err), "maxDuration"));
    CHECK(streq(voicecb_error_message(err), "invalid maxDuration: must be 0 to 1440 minutes, got 5000"));
    CHECK(streq(voicecb_error_rule(err), "must be 0 to 1440 minutes, got 5000"));
    voicecb_error_free(err);
    err = NULL;
    CHECK(voicecb_click2call_set_max_duration_i64(req, -5, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(streq(voicecb_error_rule(err), "must be 0 to 1440 minutes, got -5"));
    voicecb_error_free(err);
    EXPECT(voicecb_click2call_set_max_duration_i64(req, 0, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_display_callee_nbr(req, "", &err), VOICECB_ERR_INVALID_ARGUMENT, "displayCalleeNbr");
    EXPECT(voicecb_click2call_set_wait_voice(req, "", &err), VOICECB_ERR_INVALID_ARGUMENT, "waitVoice");
    EXPECT(voicecb_click2call_set_fee_url(req, "ftp://x", &err), VOICECB_ERR_INVALID_ARGUMENT, "feeUrl");
    /* Non-ASCII userData depends on the client's option: checked at send. */
    EXPECT(voicecb_click2call_set_user_data(req, "订单", &err), VOICECB_OK, NO_FIELD);
    voicecb_click2call_free(req);

    /* A missing required number says so, rather than quoting a length. */
    voicecb_client *client = sandbox_client(getenv("VOICECB_APP_SECRET"));
    CHECK(voicecb_click2call_new(DISPLAY, "", CALLEE, &req, NULL) == VOICECB_OK);
    char *sid = NULL;
    err = NULL;
    CHECK(voicecb_click2call_send(client, req, 0, &sid, NULL, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(streq(voicecb_error_message(err), "invalid callerNbr: is required"));
    voicecb_error_free(err);
    voicecb_click2call_free(req);

    /* The non-ASCII userData hint names the option as C spells it, or as
     * the wrapper that set its binding does. */
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    CHECK(voicecb_click2call_set_user_data(req, "订单", NULL) == VOICECB_OK);
    err = NULL;
    CHECK(voicecb_click2call_send(client, req, 0, &sid, NULL, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(strstr(voicecb_error_message(err), "voicecb_options_set_encode_non_ascii_user_data(opts, true, &err)") !=
          NULL);
    voicecb_error_free(err);
    voicecb_options *opts = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    EXPECT(voicecb_options_set_binding(opts, "cobol", &err), VOICECB_ERR_INVALID_ARGUMENT, "binding");
    EXPECT(voicecb_options_set_binding(opts, "python", &err), VOICECB_OK, NO_FIELD);
    voicecb_client *py = NULL;
    CHECK(voicecb_client_new("k", "s", opts, &py, NULL) == VOICECB_OK);
    err = NULL;
    CHECK(voicecb_click2call_send(py, req, 0, &sid, NULL, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(strstr(voicecb_error_message(err), "encode_non_ascii_user_data=True") != NULL);
    voicecb_error_free(err);
    CHECK(sid == NULL);
    voicecb_client_free(py);
    voicecb_options_free(opts);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

static void test_validation_names_the_field(void) {
    voicecb_client *client = sandbox_client(getenv("VOICECB_APP_SECRET"));
    char *sid = NULL;
    voicecb_click2call *req = NULL;
    CHECK(voicecb_click2call_new(DISPLAY, "13800000001", CALLEE, &req, NULL) == VOICECB_OK);
    EXPECT(voicecb_click2call_send(client, req, 0, &sid, NULL, &err), VOICECB_ERR_INVALID_ARGUMENT, "callerNbr");
    voicecb_click2call_free(req);

    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    /* The setters check the value they set, with the send's own rules. */
    EXPECT(voicecb_click2call_set_max_duration(req, 1441, &err), VOICECB_ERR_INVALID_ARGUMENT, "maxDuration");
    CHECK(voicecb_click2call_set_max_duration(req, 1440, NULL) == VOICECB_OK);
    EXPECT(voicecb_click2call_set_status_url(req, "https://example.com/a?b=c", &err), VOICECB_ERR_INVALID_ARGUMENT,
           "statusUrl");
    voicecb_click2call_free(req);

    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    EXPECT(voicecb_click2call_set_user_data(req, "{json}", &err), VOICECB_ERR_INVALID_ARGUMENT, "userData");
    /* Each brace alone: a check of one of them would let the other through. */
    EXPECT(voicecb_click2call_set_user_data(req, "id{1", &err), VOICECB_ERR_INVALID_ARGUMENT, "userData");
    EXPECT(voicecb_click2call_set_user_data(req, "id}1", &err), VOICECB_ERR_INVALID_ARGUMENT, "userData");
    EXPECT(voicecb_click2call_set_last_min_to_ue(req, 0, &err), VOICECB_ERR_INVALID_ARGUMENT, "lastMinToUE");
    EXPECT(voicecb_click2call_set_callee_media(req, 4, &err), VOICECB_ERR_INVALID_ARGUMENT, "calleeMedia");
    EXPECT(voicecb_click2call_set_last_min_to_ue_name(req, "TOA", &err), VOICECB_ERR_INVALID_ARGUMENT, "lastMinToUE");
    EXPECT(voicecb_click2call_set_callee_media_name(req, "some", &err), VOICECB_ERR_INVALID_ARGUMENT, "calleeMedia");
    EXPECT(voicecb_click2call_set_last_min_to_ue_name(req, "tob", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_callee_media_name(req, "none", &err), VOICECB_OK, NO_FIELD);
    CHECK(streq(voicecb_last_min_to_ue_name(VOICECB_LAST_MIN_TO_UE_CALLEE), "tob"));
    CHECK(streq(voicecb_callee_media_name(VOICECB_CALLEE_MEDIA_NONE), "none"));
    CHECK(voicecb_last_min_to_ue_name(0) == NULL && voicecb_callee_media_name(4) == NULL);
    voicecb_click2call_free(req);
    CHECK(sid == NULL);

    EXPECT(voicecb_call_stop(client, "", 0, &err), VOICECB_ERR_INVALID_ARGUMENT, "sessionid");
    EXPECT(voicecb_call_stop(client, "a\r\nb", 0, &err), VOICECB_ERR_INVALID_ARGUMENT, "sessionid");

    voicecb_options *opts = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    EXPECT(voicecb_options_set_timeout_ms(opts, 0, &err), VOICECB_ERR_INVALID_ARGUMENT, "timeout");
    EXPECT(voicecb_options_set_connect_timeout_ms(opts, 0, &err), VOICECB_ERR_INVALID_ARGUMENT, "connect_timeout");
    voicecb_client *c2 = NULL;
    CHECK(voicecb_options_set_base_url(opts, "ftp://example.com", NULL) == VOICECB_OK);
    EXPECT(voicecb_client_new("k", "s", opts, &c2, &err), VOICECB_ERR_INVALID_ARGUMENT, "base_url");
    CHECK(voicecb_options_set_base_url(opts, "http://127.0.0.1:1", NULL) == VOICECB_OK);
    CHECK(voicecb_options_set_ca_file(opts, "/nonexistent/ca.pem", NULL) == VOICECB_OK);
    EXPECT(voicecb_client_new("k", "s", opts, &c2, &err), VOICECB_ERR_INVALID_ARGUMENT, "ca_file");
    voicecb_options_free(opts);
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    CHECK(voicecb_options_set_proxy(opts, "not a proxy url", NULL) == VOICECB_OK);
    EXPECT(voicecb_client_new("k", "s", opts, &c2, &err), VOICECB_ERR_INVALID_ARGUMENT, "proxy");
    voicecb_options_free(opts);
    EXPECT(voicecb_client_new("", "s", NULL, &c2, &err), VOICECB_ERR_INVALID_ARGUMENT, "app_key");
    EXPECT(voicecb_client_new("k", "", NULL, &c2, &err), VOICECB_ERR_INVALID_ARGUMENT, "app_secret");
    CHECK(c2 == NULL);
    voicecb_client_free(client);
}

static void test_null_and_utf8(void) {
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    voicecb_click2call *req = NULL;
    char *s1 = NULL, *s2 = NULL;
    const voicecb_code_info *info = NULL;

    CHECK(voicecb_options_new(NULL) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    EXPECT(voicecb_options_set_base_url(NULL, "http://x", &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_base_url(opts, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "base_url");
    EXPECT(voicecb_options_set_base_url(opts, BAD, &err), VOICECB_ERR_INVALID_UTF8, "base_url");
    EXPECT(voicecb_options_set_ca_file(NULL, "x", &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_ca_file(opts, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "ca_file");
    EXPECT(voicecb_options_set_ca_file(opts, BAD, &err), VOICECB_ERR_INVALID_UTF8, "ca_file");
    EXPECT(voicecb_options_set_proxy(NULL, "x", &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_proxy(opts, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "proxy");
    EXPECT(voicecb_options_set_proxy(opts, BAD, &err), VOICECB_ERR_INVALID_UTF8, "proxy");
    EXPECT(voicecb_options_set_user_agent(NULL, "x", &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_user_agent(opts, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "user_agent");
    EXPECT(voicecb_options_set_user_agent(opts, BAD, &err), VOICECB_ERR_INVALID_UTF8, "user_agent");
    EXPECT(voicecb_options_set_user_agent(opts, "app\r\nX-Evil: 1", &err), VOICECB_ERR_INVALID_ARGUMENT, "user_agent");
    EXPECT(voicecb_options_set_timeout_ms(NULL, 1, &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_connect_timeout_ms(NULL, 1, &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_insecure_skip_verify(NULL, true, &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_encode_non_ascii_user_data(NULL, true, &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_options_set_clock_offset_secs(NULL, 1, &err), VOICECB_ERR_NULL_ARGUMENT, "opts");

    EXPECT(voicecb_client_new(NULL, "s", opts, &client, &err), VOICECB_ERR_NULL_ARGUMENT, "app_key");
    EXPECT(voicecb_client_new(BAD, "s", opts, &client, &err), VOICECB_ERR_INVALID_UTF8, "app_key");
    EXPECT(voicecb_client_new("k", NULL, opts, &client, &err), VOICECB_ERR_NULL_ARGUMENT, "app_secret");
    EXPECT(voicecb_client_new("k", BAD, opts, &client, &err), VOICECB_ERR_INVALID_UTF8, "app_secret");
    EXPECT(voicecb_client_new("k", "s", opts, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "out");
    CHECK(client == NULL);
    voicecb_options_free(opts);
    EXPECT(voicecb_client_new("k", "s", NULL, &client, &err), VOICECB_OK, NO_FIELD); /* NULL opts: defaults */

    EXPECT(voicecb_click2call_new(NULL, CALLER, CALLEE, &req, &err), VOICECB_ERR_NULL_ARGUMENT, "displayNbr");
    EXPECT(voicecb_click2call_new(BAD, CALLER, CALLEE, &req, &err), VOICECB_ERR_INVALID_UTF8, "displayNbr");
    EXPECT(voicecb_click2call_new(DISPLAY, NULL, CALLEE, &req, &err), VOICECB_ERR_NULL_ARGUMENT, "callerNbr");
    EXPECT(voicecb_click2call_new(DISPLAY, BAD, CALLEE, &req, &err), VOICECB_ERR_INVALID_UTF8, "callerNbr");
    EXPECT(voicecb_click2call_new(DISPLAY, CALLER, NULL, &req, &err), VOICECB_ERR_NULL_ARGUMENT, "calleeNbr");
    EXPECT(voicecb_click2call_new(DISPLAY, CALLER, BAD, &req, &err), VOICECB_ERR_INVALID_UTF8, "calleeNbr");
    EXPECT(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "out");
    CHECK(req == NULL);
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);

    typedef voicecb_result (*string_setter)(voicecb_click2call *, const char *, voicecb_error **);
    struct { string_setter fn; const char *field; } setters[] = {
        {voicecb_click2call_set_display_callee_nbr, "displayCalleeNbr"},
        {voicecb_click2call_set_last_min_voice, "lastMinVoice"},
        {voicecb_click2call_set_pre_voice, "preVoice"},
        {voicecb_click2call_set_wait_voice, "waitVoice"},
        {voicecb_click2call_set_status_url, "statusUrl"},
        {voicecb_click2call_set_fee_url, "feeUrl"},
        {voicecb_click2call_set_record_hint_tone, "recordHintTone"},
        {voicecb_click2call_set_user_data, "userData"},
        {voicecb_click2call_set_last_min_to_ue_name, "lastMinToUE"},
        {voicecb_click2call_set_callee_media_name, "calleeMedia"},
    };
    for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++) {
        EXPECT(setters[i].fn(NULL, "x", &err), VOICECB_ERR_NULL_ARGUMENT, "req");
        EXPECT(setters[i].fn(req, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, setters[i].field);
        EXPECT(setters[i].fn(req, BAD, &err), VOICECB_ERR_INVALID_UTF8, setters[i].field);
    }
    typedef voicecb_result (*bool_setter)(voicecb_click2call *, bool, voicecb_error **);
    bool_setter bools[] = {voicecb_click2call_set_play_pre_voice, voicecb_click2call_set_record_flag,
                           voicecb_click2call_set_party_type_required_in_disconnect,
                           voicecb_click2call_set_return_idle_port};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        EXPECT(bools[i](NULL, true, &err), VOICECB_ERR_NULL_ARGUMENT, "req");
    }
    EXPECT(voicecb_click2call_set_max_duration(NULL, 1, &err), VOICECB_ERR_NULL_ARGUMENT, "req");
    EXPECT(voicecb_click2call_set_last_min_to_ue(NULL, 1, &err), VOICECB_ERR_NULL_ARGUMENT, "req");
    EXPECT(voicecb_click2call_set_callee_media(NULL, 1, &err), VOICECB_ERR_NULL_ARGUMENT, "req");

    static char sentinel[] = "untouched";
    s1 = sentinel;
    EXPECT(voicecb_click2call_send(NULL, req, 0, &s1, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "client");
    EXPECT(voicecb_click2call_send(client, NULL, 0, &s1, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "req");
    EXPECT(voicecb_click2call_send(client, req, 0, NULL, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "session_id_out");
    CHECK(s1 == sentinel);
    EXPECT(voicecb_call_stop(NULL, "s", 0, &err), VOICECB_ERR_NULL_ARGUMENT, "client");
    EXPECT(voicecb_call_stop(client, NULL, 0, &err), VOICECB_ERR_NULL_ARGUMENT, "sessionid");
    EXPECT(voicecb_call_stop(client, BAD, 0, &err), VOICECB_ERR_INVALID_UTF8, "sessionid");

    s1 = s2 = sentinel;
    EXPECT(voicecb_sign(NULL, "s", "n", "c", &s1, &s2, &err), VOICECB_ERR_NULL_ARGUMENT, "app_key");
    EXPECT(voicecb_sign(BAD, "s", "n", "c", &s1, &s2, &err), VOICECB_ERR_INVALID_UTF8, "app_key");
    EXPECT(voicecb_sign("k", NULL, "n", "c", &s1, &s2, &err), VOICECB_ERR_NULL_ARGUMENT, "app_secret");
    EXPECT(voicecb_sign("k", BAD, "n", "c", &s1, &s2, &err), VOICECB_ERR_INVALID_UTF8, "app_secret");
    EXPECT(voicecb_sign("k", "s", BAD, "c", &s1, &s2, &err), VOICECB_ERR_INVALID_UTF8, "nonce");
    EXPECT(voicecb_sign("k", "s", "n", BAD, &s1, &s2, &err), VOICECB_ERR_INVALID_UTF8, "created");
    EXPECT(voicecb_sign("k", "s", "n", "c", NULL, &s2, &err), VOICECB_ERR_NULL_ARGUMENT, "authorization_out");
    EXPECT(voicecb_sign("k", "s", "n", "c", &s1, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "x_aksk_out");
    EXPECT(voicecb_sign("k", "s", "bad-nonce", "c", &s1, &s2, &err), VOICECB_ERR_INVALID_ARGUMENT, "nonce");
    CHECK(s1 == sentinel && s2 == sentinel);

    EXPECT(voicecb_code_lookup(401, NULL, &info, &err), VOICECB_ERR_NULL_ARGUMENT, "code");
    EXPECT(voicecb_code_lookup(401, BAD, &info, &err), VOICECB_ERR_INVALID_UTF8, "code");
    EXPECT(voicecb_code_lookup(401, "1010010", NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "out");
    CHECK(info == NULL);

    /* Accessors and free functions take NULL. */
    CHECK(voicecb_error_code(NULL) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(voicecb_error_message(NULL) == NULL && voicecb_error_field(NULL) == NULL);
    CHECK(voicecb_error_http_status(NULL) == 0 && voicecb_error_result_code(NULL) == NULL);
    CHECK(voicecb_error_result_desc(NULL) == NULL && voicecb_error_code_info(NULL) == NULL);
    CHECK(voicecb_code_info_code(NULL) == NULL && voicecb_code_info_en(NULL) == NULL);
    CHECK(voicecb_code_info_zh(NULL) == NULL && voicecb_code_info_advice(NULL) == NULL);
    CHECK(voicecb_code_info_advice_zh(NULL) == NULL && voicecb_error_rule(NULL) == NULL);
    EXPECT(voicecb_options_set_binding(NULL, "c", &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    EXPECT(voicecb_click2call_set_max_duration_i64(NULL, 1, &err), VOICECB_ERR_NULL_ARGUMENT, "req");
    CHECK(voicecb_code_info_http_status(NULL) == 0 && voicecb_code_info_category(NULL) == -1);
    CHECK(!voicecb_code_info_retryable(NULL));
    voicecb_error_free(NULL);
    voicecb_string_free(NULL);
    voicecb_client_free(NULL);
    voicecb_options_free(NULL);
    voicecb_click2call_free(NULL);
    /* A NULL err is allowed: the code alone is returned. */
    CHECK(voicecb_click2call_new(NULL, CALLER, CALLEE, &req, NULL) == VOICECB_ERR_NULL_ARGUMENT);

    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

static void test_catalogue(void) {
    const voicecb_code_info *a = NULL, *b = NULL;
    EXPECT(voicecb_code_lookup(401, "1010010", &a, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_code_lookup(403, "1010010", &b, &err), VOICECB_OK, NO_FIELD);
    CHECK(streq(voicecb_code_info_en(a), "Invalid digest."));
    CHECK(streq(voicecb_code_info_en(b), "The flow control upper limit is reached on the platform."));
    CHECK(voicecb_code_info_category(b) == VOICECB_CATEGORY_QUOTA && voicecb_code_info_retryable(b));
    CHECK(streq(voicecb_category_name(VOICECB_CATEGORY_QUOTA), "quota"));
    CHECK(voicecb_category_name(99) == NULL);
    const voicecb_code_info *c = (const voicecb_code_info *)1;
    EXPECT(voicecb_code_lookup(404, "1010010", &c, &err), VOICECB_ERR_NOT_FOUND, NO_FIELD);
    CHECK(c == (const voicecb_code_info *)1);
    size_t n = voicecb_code_count(), found = 0;
    CHECK(n >= 63);
    for (size_t i = 0; i < n; i++) {
        const voicecb_code_info *e = voicecb_code_at(i);
        CHECK(e != NULL);
        if (e == a || e == b) found++;
    }
    CHECK(found == 2);
    CHECK(voicecb_code_at(n) == NULL);

    /* The two API tables differ: 500/1023002 is retry-safe only for callStop. */
    const voicecb_code_info *c2c = NULL, *stop = NULL;
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CLICK2CALL, 500, "1023002", &c2c, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CALL_STOP, 500, "1023002", &stop, &err), VOICECB_OK, NO_FIELD);
    CHECK(c2c != stop && !voicecb_code_info_retryable(c2c) && voicecb_code_info_retryable(stop));
    CHECK(voicecb_code_info_listed_for(stop, VOICECB_API_CALL_STOP));
    CHECK(!voicecb_code_info_listed_for(stop, VOICECB_API_CLICK2CALL));
    CHECK(!voicecb_code_info_listed_for(stop, 3) && !voicecb_code_info_listed_for(NULL, VOICECB_API_CALL_STOP));
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CLICK2CALL, 500, "1020152", &c, &err), VOICECB_ERR_NOT_FOUND, NO_FIELD);
    /* 3-5 are the notification, verification and recording tables. */
    EXPECT(voicecb_code_lookup_for(6, 500, "1020152", &c, &err), VOICECB_ERR_INVALID_ARGUMENT, "api");
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CALL_STOP, 500, NULL, &c, &err), VOICECB_ERR_NULL_ARGUMENT, "code");
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CALL_STOP, 500, BAD, &c, &err), VOICECB_ERR_INVALID_UTF8, "code");
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CALL_STOP, 500, "1023002", NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "out");
    CHECK(c == (const voicecb_code_info *)1);
}

static void test_retry_and_clock(void) {
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    voicecb_click2call *req = NULL;
    char *sid = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    CHECK(voicecb_options_set_base_url(opts, getenv("VOICECB_BASE_URL"), NULL) == VOICECB_OK);
    EXPECT(voicecb_options_set_retry(NULL, 3, 10, 20, &err), VOICECB_ERR_NULL_ARGUMENT, "opts");
    /* The setter checks the policy (and leaves the options as they were). */
    EXPECT(voicecb_options_set_retry(opts, 0, 10, 20, &err), VOICECB_ERR_INVALID_ARGUMENT, "retry.max_attempts");
    EXPECT(voicecb_options_set_retry(opts, 3, 30, 20, &err), VOICECB_ERR_INVALID_ARGUMENT, "retry.initial_backoff");
    EXPECT(voicecb_options_set_retry(opts, 3, 10, 60001, &err), VOICECB_ERR_INVALID_ARGUMENT, "retry.max_backoff");
    CHECK(voicecb_options_set_retry(opts, 3, 10, 20, NULL) == VOICECB_OK);
    /* A host clock an hour slow: refused with 1010013, and the sandbox's
     * Date header shows that the two clocks in fact agree. */
    CHECK(voicecb_options_set_clock_offset_secs(opts, -3600, NULL) == VOICECB_OK);
    EXPECT(voicecb_client_new(getenv("VOICECB_APP_KEY"), getenv("VOICECB_APP_SECRET"), opts, &client, &err),
           VOICECB_OK, NO_FIELD);
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    voicecb_error *err = NULL;
    CHECK(voicecb_click2call_send(client, req, 0, &sid, NULL, &err) == VOICECB_ERR_PLATFORM);
    CHECK(streq(voicecb_error_result_code(err), "1010013"));
    int64_t skew = 99999;
    CHECK(voicecb_error_clock_skew_secs(err, &skew) == VOICECB_OK);
    CHECK(skew > -5 && skew < 5);
    CHECK(voicecb_error_clock_skew_secs(err, NULL) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(!voicecb_error_request_not_sent(err));
    voicecb_error_free(err);
    err = NULL;
    CHECK(voicecb_call_stop(client, "", 0, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(voicecb_error_request_not_sent(err));
    skew = 12345;
    CHECK(voicecb_error_clock_skew_secs(err, &skew) == VOICECB_ERR_NOT_FOUND && skew == 12345);
    voicecb_error_free(err);
    CHECK(voicecb_error_clock_skew_secs(NULL, &skew) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(!voicecb_error_request_not_sent(NULL));
    CHECK(sid == NULL);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
    voicecb_options_free(opts);
}

/* --- the shared signing vectors: a minimal reader for tests/vectors/aksk.json --- */

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    if (buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len) {
        buf[len] = '\0';
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Copies the JSON string value of "key" found after `from` (before `limit`)
 * into out, undoing the escapes this file uses. */
static int json_string(const char *from, const char *limit, const char *key, char *out, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\": \"", key);
    const char *p = strstr(from, pattern);
    if (p == NULL || (limit != NULL && p > limit)) return 0;
    p += strlen(pattern);
    size_t n = 0;
    while (*p != '\0' && *p != '"' && n + 1 < cap) {
        if (*p == '\\') {
            p++;
            if (*p == 'n') out[n++] = '\n';
            else if (*p == 't') out[n++] = '\t';
            else out[n++] = *p; /* \" \\ \/ */
            p++;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return *p == '"';
}

static void test_signing_vectors(const char *path) {
    char *doc = read_file(path);
    CHECK(doc != NULL);
    if (doc == NULL) return;
    int count = 0;
    const char *p = doc;
    while ((p = strstr(p, "\"name\": \"")) != NULL && count < 1000) {
        const char *next = strstr(p + 1, "\"name\": \"");
        char key[512], secret[512], nonce[256], created[128], auth[256], xaksk[1024];
        CHECK(json_string(p, next, "app_key", key, sizeof key));
        CHECK(json_string(p, next, "app_secret", secret, sizeof secret));
        CHECK(json_string(p, next, "nonce", nonce, sizeof nonce));
        CHECK(json_string(p, next, "created", created, sizeof created));
        CHECK(json_string(p, next, "authorization", auth, sizeof auth));
        CHECK(json_string(p, next, "x_aksk", xaksk, sizeof xaksk));
        char *got_auth = NULL, *got_xaksk = NULL;
        EXPECT(voicecb_sign(key, secret, nonce, created, &got_auth, &got_xaksk, &err), VOICECB_OK, NO_FIELD);
        CHECK(streq(got_auth, auth));
        if (!streq(got_xaksk, xaksk)) fprintf(stderr, "vector %d: got %s\nexpected %s\n", count, got_xaksk, xaksk);
        CHECK(streq(got_xaksk, xaksk));
        voicecb_string_free(got_auth);
        voicecb_string_free(got_xaksk);
        count++;
        p++;
    }
    CHECK(count >= 5);
    free(doc);

    /* NULL nonce and created: fresh ones, different every time. */
    char *a1 = NULL, *x1 = NULL, *a2 = NULL, *x2 = NULL;
    CHECK(voicecb_sign("k", "s", NULL, NULL, &a1, &x1, NULL) == VOICECB_OK);
    CHECK(voicecb_sign("k", "s", NULL, NULL, &a2, &x2, NULL) == VOICECB_OK);
    CHECK(x1 != NULL && x2 != NULL && strcmp(x1, x2) != 0);
    voicecb_string_free(a1);
    voicecb_string_free(x1);
    voicecb_string_free(a2);
    voicecb_string_free(x2);
}

/* --- 8 threads placing calls on one client and one request at once --- */

enum { THREADS = 8, CALLS_PER_THREAD = 10 };

struct shared {
    const voicecb_client *client;
    const voicecb_click2call *req;
    int ok;
};

static void *caller_thread(void *arg) {
    struct shared *s = arg;
    int ok = 0;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        char *sid = NULL;
        voicecb_error *err = NULL;
        if (voicecb_click2call_send(s->client, s->req, 0, &sid, NULL, &err) == VOICECB_OK &&
            voicecb_call_stop(s->client, sid, 0, &err) == VOICECB_OK) {
            ok++;
        } else {
            fprintf(stderr, "thread call failed: %s\n", voicecb_error_message(err));
        }
        voicecb_error_free(err);
        voicecb_string_free(sid);
    }
    s->ok = ok;
    return NULL;
}

static void test_threads(void) {
    voicecb_client *client = sandbox_client(getenv("VOICECB_APP_SECRET"));
    voicecb_click2call *req = NULL;
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    pthread_t tids[THREADS];
    struct shared shared[THREADS];
    for (int i = 0; i < THREADS; i++) {
        shared[i] = (struct shared){client, req, 0};
        CHECK(pthread_create(&tids[i], NULL, caller_thread, &shared[i]) == 0);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tids[i], NULL);
        total += shared[i].ok;
    }
    CHECK(total == THREADS * CALLS_PER_THREAD);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

int main(int argc, char **argv) {
    if (argc != 2 || getenv("VOICECB_BASE_URL") == NULL || getenv("VOICECB_APP_KEY") == NULL ||
        getenv("VOICECB_APP_SECRET") == NULL) {
        fprintf(stderr, "usage: tests/with-sandbox.sh %s tests/vectors/aksk.json\n", argv[0]);
        return 2;
    }
    test_version();
    test_result_str();
    test_catalogue();
    test_signing_vectors(argv[1]);
    test_null_and_utf8();
    test_validation_names_the_field();
    test_setters_check_their_value();
    test_both_calls();
    test_platform_refusal();
    test_http_error_with_code_0();
    test_retry_and_clock();
    test_threads();
    printf("c-abi: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
