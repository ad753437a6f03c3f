/*
 * The voice notification, verification code and recording URL functions
 * of the C ABI against the sandbox: the request handles and their checks,
 * NULL and invalid UTF-8, the sends, the platform's template refusals, and
 * the record flow (click2Call with recordFlag, its bill received here,
 * voicecb_notification_record_url, the WAV downloaded).
 *
 *   tests/with-sandbox.sh build/test_scenes
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "voicecb.h"
#include "check.h"
#include "sandbox_admin.h"

static const char BAD[] = "\xff\xfe bad utf-8";
static const char *DISPLAY = "+8675512345678";
static const char *CALLER = "+8613800000001";
static const char *CALLEE = "+8613800000002";


static void test_notify_request(void) {
    voicecb_callnotify *req = NULL;
    EXPECT(voicecb_callnotify_new(NULL, CALLEE, &req, &err), VOICECB_ERR_NULL_ARGUMENT, "displayNbr");
    EXPECT(voicecb_callnotify_new(DISPLAY, BAD, &req, &err), VOICECB_ERR_INVALID_UTF8, "calleeNbr");
    CHECK(req == NULL);
    EXPECT(voicecb_callnotify_new(DISPLAY, CALLEE, &req, &err), VOICECB_OK, NO_FIELD);
    CHECK(voicecb_callnotify_play_item_count(req) == 0);
    CHECK(voicecb_callnotify_play_item_count(NULL) == 0);

    EXPECT(voicecb_callnotify_add_play_voice(req, "notifyvoice.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_play_template(req, "test_template", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_template_para(req, 1, "3", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_template_para(req, 1, "人民公园正门", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_item_set_collect_ind(req, 1, 2, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_item_set_replay_after_collection(req, 1, true, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_item_set_collect_content_trigger_replaying(req, 1, "11", &err), VOICECB_OK,
           NO_FIELD);
    CHECK(voicecb_callnotify_play_item_count(req) == 2);

    /* Each check names the item and its field; the request keeps its values. */
    EXPECT(voicecb_callnotify_add_play_voice(req, "", &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[2].notifyVoice");
    EXPECT(voicecb_callnotify_add_play_template(req, "t23456789012345678901234567890123", &err),
           VOICECB_ERR_INVALID_ARGUMENT, "playInfoList[2].templateId");
    EXPECT(voicecb_callnotify_add_template_para(req, 0, "x", &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[0].templateParas");
    EXPECT(voicecb_callnotify_add_template_para(req, 1, "123456789012345678901234567890123", &err),
           VOICECB_ERR_INVALID_ARGUMENT, "playInfoList[1].templateParas[2]");
    EXPECT(voicecb_callnotify_add_template_para(req, 7, "x", &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[7]");
    EXPECT(voicecb_callnotify_item_set_collect_ind(req, 0, 33, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[0].collectInd");
    EXPECT(voicecb_callnotify_item_set_collect_ind(req, 0, -1, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[0].collectInd");
    EXPECT(voicecb_callnotify_item_set_collect_content_trigger_replaying(req, 0, "1a", &err),
           VOICECB_ERR_INVALID_ARGUMENT, "playInfoList[0].collectContentTriggerReplaying");
    EXPECT(voicecb_callnotify_add_template_para(req, 1, NULL, &err), VOICECB_ERR_NULL_ARGUMENT,
           "playInfoList[1].templateParas");
    EXPECT(voicecb_callnotify_add_template_para(req, 1, BAD, &err), VOICECB_ERR_INVALID_UTF8,
           "playInfoList[1].templateParas");
    EXPECT(voicecb_callnotify_add_play_voice(req, BAD, &err), VOICECB_ERR_INVALID_UTF8, "notifyVoice");
    /* The two-field form: the library decides "exactly one" (both, neither). */
    EXPECT(voicecb_callnotify_add_play_item(req, "a.wav", "test_template", &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[2].templateId");
    EXPECT(voicecb_callnotify_add_play_item(req, NULL, NULL, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[2].notifyVoice");
    EXPECT(voicecb_callnotify_add_play_item(req, NULL, BAD, &err), VOICECB_ERR_INVALID_UTF8, "templateId");
    EXPECT(voicecb_callnotify_add_play_item(req, "", NULL, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList[2].notifyVoice");
    EXPECT(voicecb_callnotify_add_play_item(NULL, "a.wav", NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "req");
    CHECK(voicecb_callnotify_play_item_count(req) == 2);
    EXPECT(voicecb_callnotify_set_status_url(req, "ftp://x", &err), VOICECB_ERR_INVALID_ARGUMENT, "statusUrl");
    EXPECT(voicecb_callnotify_set_user_data(req, "{x}", &err), VOICECB_ERR_INVALID_ARGUMENT, "userData");
    EXPECT(voicecb_callnotify_set_fee_url(req, "http://127.0.0.1:1/fee", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_set_return_idle_port(req, true, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_set_return_idle_port(NULL, true, &err), VOICECB_ERR_NULL_ARGUMENT, "req");
    CHECK(voicecb_callnotify_play_item_count(req) == 2);

    /* At most 5 items (two of them added in the two-field form). */
    EXPECT(voicecb_callnotify_add_play_item(req, "welcome.wav", NULL, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_play_item(req, NULL, "test_template", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_template_para(req, 3, "3", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_play_voice(req, "welcome.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_play_voice(req, "welcome.wav", &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList");
    CHECK(voicecb_callnotify_play_item_count(req) == 5);

    /* Another type's handle is caught. */
    voicecb_callverify *other = NULL;
    EXPECT(voicecb_callverify_new(DISPLAY, CALLEE, "12", "pretone.wav", &other, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_play_voice((voicecb_callnotify *)other, "a.wav", &err),
           VOICECB_ERR_INVALID_HANDLE, "req");
    voicecb_callverify_free(other);
    voicecb_callnotify_free(req);
    voicecb_callnotify_free(NULL);
}

static void test_notify_sends(voicecb_client *client) {
    voicecb_callnotify *req = NULL;
    EXPECT(voicecb_callnotify_new(DISPLAY, CALLEE, &req, &err), VOICECB_OK, NO_FIELD);

    /* No item: refused before sending, out-parameters untouched. */
    char *session_id = (char *)"untouched";
    int32_t idle = -7;
    EXPECT(voicecb_callnotify_send(client, req, 0, &session_id, &idle, &err), VOICECB_ERR_INVALID_ARGUMENT,
           "playInfoList");
    CHECK(streq(session_id, "untouched") && idle == -7);

    EXPECT(voicecb_callnotify_add_play_template(req, "test_template", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_template_para(req, 0, "3", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_template_para(req, 0, "x", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_play_voice(req, "notifyvoice.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_item_set_collect_ind(req, 1, 4, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_set_return_idle_port(req, true, &err), VOICECB_OK, NO_FIELD);
    session_id = NULL;
    EXPECT(voicecb_callnotify_send(client, req, 0, &session_id, &idle, &err), VOICECB_OK, NO_FIELD);
    CHECK(session_id != NULL && strchr(session_id, '@') != NULL);
    CHECK(idle >= 0 && idle <= 65535);
    /* callStop ends a notification too. */
    EXPECT(voicecb_call_stop(client, session_id, 0, &err), VOICECB_OK, NO_FIELD);
    voicecb_string_free(session_id);

    voicecb_call_result *result = NULL;
    EXPECT(voicecb_callnotify_send_result(client, req, 5000, &result, &err), VOICECB_OK, NO_FIELD);
    CHECK(strchr(voicecb_call_result_session_id(result), '@') != NULL);
    CHECK(voicecb_call_result_attempts(result) == 1);
    voicecb_call_result_free(result);

    /* The platform's template checks: codes only the notification's table has. */
    voicecb_callnotify *unknown = NULL;
    EXPECT(voicecb_callnotify_new(DISPLAY, CALLEE, &unknown, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callnotify_add_play_template(unknown, "no_such_template", &err), VOICECB_OK, NO_FIELD);
    voicecb_error *err = NULL;
    session_id = (char *)"untouched";
    CHECK(voicecb_callnotify_send(client, unknown, 0, &session_id, NULL, &err) == VOICECB_ERR_PLATFORM);
    CHECK(streq(session_id, "untouched"));
    CHECK(streq(voicecb_error_result_code(err), "1012003"));
    const voicecb_code_info *info = voicecb_error_code_info(err);
    CHECK(info != NULL && voicecb_code_info_listed_for(info, VOICECB_API_CALL_NOTIFY));
    CHECK(!voicecb_code_info_listed_for(info, VOICECB_API_CLICK2CALL));
    CHECK(!voicecb_code_info_http_status_documented(info));
    CHECK(streq(voicecb_code_info_en(info), "The template ID does not exist."));
    voicecb_error_free(err);
    const voicecb_code_info *looked = NULL;
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CALL_NOTIFY, 500, "1012004", &looked, &err), VOICECB_OK, NO_FIELD);
    CHECK(streq(voicecb_code_info_zh(looked), "templateParas的参数个数与模板的变量个数不一致"));
    EXPECT(voicecb_code_lookup_for(VOICECB_API_CALL_VERIFY, 403, "1012004", &looked, &err),
           VOICECB_ERR_NOT_FOUND, NO_FIELD);
    EXPECT(voicecb_code_lookup_for(6, 403, "1012004", &looked, &err), VOICECB_ERR_INVALID_ARGUMENT, "api");
    voicecb_callnotify_free(unknown);
    voicecb_callnotify_free(req);
}

static void test_verify(voicecb_client *client) {
    voicecb_callverify *req = NULL;
    EXPECT(voicecb_callverify_new(DISPLAY, CALLEE, NULL, "pretone.wav", &req, &err), VOICECB_ERR_NULL_ARGUMENT,
           "verifyCode");
    EXPECT(voicecb_callverify_new(DISPLAY, CALLEE, "12", BAD, &req, &err), VOICECB_ERR_INVALID_UTF8, "preTone");
    EXPECT(voicecb_callverify_new(DISPLAY, CALLEE, "2468", "pretone.wav", &req, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callverify_set_times(req, 10, &err), VOICECB_ERR_INVALID_ARGUMENT, "times");
    EXPECT(voicecb_callverify_set_times(req, -1, &err), VOICECB_ERR_INVALID_ARGUMENT, "times");
    EXPECT(voicecb_callverify_set_language_type(req, 1, &err), VOICECB_ERR_INVALID_ARGUMENT, "languageType");
    EXPECT(voicecb_callverify_set_language_type(req, VOICECB_LANGUAGE_TYPE_CHINESE, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callverify_set_pos_tone(req, "", &err), VOICECB_ERR_INVALID_ARGUMENT, "posTone");
    EXPECT(voicecb_callverify_set_pos_tone(req, "postone.wav", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callverify_set_times(req, 2, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callverify_set_status_url(req, "https://x/a_b", &err), VOICECB_ERR_INVALID_ARGUMENT, "statusUrl");
    EXPECT(voicecb_callverify_set_user_data(req, "order-42", &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_callverify_set_return_idle_port(req, false, &err), VOICECB_OK, NO_FIELD);

    char *session_id = NULL;
    int32_t idle = 5;
    EXPECT(voicecb_callverify_send(client, req, 0, &session_id, &idle, &err), VOICECB_OK, NO_FIELD);
    CHECK(session_id != NULL && strchr(session_id, '@') != NULL);
    CHECK(idle == -1);
    voicecb_string_free(session_id);
    voicecb_call_result *result = NULL;
    EXPECT(voicecb_callverify_send_result(client, req, 0, &result, &err), VOICECB_OK, NO_FIELD);
    CHECK(voicecb_call_result_idle_port(result) == -1);
    voicecb_call_result_free(result);
    voicecb_callverify_free(req);

    /* A code the library checks before sending: nothing goes out. */
    voicecb_callverify *bad = NULL;
    EXPECT(voicecb_callverify_new(DISPLAY, CALLEE, "123456789", "pretone.wav", &bad, &err), VOICECB_OK, NO_FIELD);
    voicecb_error *err = NULL;
    session_id = NULL;
    CHECK(voicecb_callverify_send(client, bad, 0, &session_id, NULL, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(session_id == NULL && voicecb_error_request_not_sent(err));
    CHECK(streq(voicecb_error_field(err), "verifyCode"));
    voicecb_error_free(err);
    voicecb_callverify_free(bad);
}

/* A listener on 127.0.0.1:0 for one push; its port in *port. */
static int listen_local(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

/* Reads one HTTP message (head and Content-Length body) into buf, bounded
 * by the socket's timeout and the buffer; the body's offset, or -1. */
static long read_message(int fd, char *buf, size_t cap, size_t *len) {
    *len = 0;
    for (int i = 0; i < 10000 && *len < cap - 1; i++) {
        ssize_t n = recv(fd, buf + *len, cap - 1 - *len, 0);
        if (n <= 0) break;
        *len += (size_t)n;
        buf[*len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end == NULL) continue;
        long body = (long)(end + 4 - buf);
        const char *cl = strstr(buf, "ontent-Length:");
        if (cl == NULL) cl = strstr(buf, "ontent-length:");
        size_t want = cl != NULL && cl < end ? (size_t)strtoul(cl + 14, NULL, 10) : 0;
        if (*len >= (size_t)body + want) return body;
    }
    return -1;
}

/* Accepts one push within 30 s, answers 200, returns its body (malloc'd). */
static char *receive_push(int listen_fd) {
    struct pollfd p = {listen_fd, POLLIN, 0};
    if (poll(&p, 1, 30000) != 1) return NULL;
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static char buf[1 << 16];
    size_t len = 0;
    long body = read_message(fd, buf, sizeof buf, &len);
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if (send(fd, ok, strlen(ok), MSG_NOSIGNAL) < 0) body = -1;
    close(fd);
    return body < 0 ? NULL : strdup(buf + body);
}

/* GETs http://127.0.0.1:PORT/PATH and checks a WAV file comes back. */
static bool download_wav(const char *url) {
    int port = 0, off = 0;
    if (sscanf(url, "http://127.0.0.1:%d%n", &port, &off) != 1 || url[off] != '/') return false;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (fd >= 0) close(fd);
        return false;
    }
    char req[2048];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", url + off);
    static char buf[1 << 17];
    size_t len = 0;
    long body = -1;
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) > 0) body = read_message(fd, buf, sizeof buf, &len);
    close(fd);
    return body > 0 && strncmp(buf, "HTTP/1.1 200", 12) == 0 && len >= (size_t)body + 12 &&
           memcmp(buf + body, "RIFF", 4) == 0 && memcmp(buf + body + 8, "WAVE", 4) == 0;
}

static void test_record_flow(voicecb_client *client) {
    char *url = (char *)"untouched";
    EXPECT(voicecb_record_url(client, "", "d", 0, &url, &err), VOICECB_ERR_INVALID_ARGUMENT, "fileName");
    EXPECT(voicecb_record_url(client, "r.wav", NULL, 0, &url, &err), VOICECB_ERR_NULL_ARGUMENT, "recordDomain");
    EXPECT(voicecb_record_url(client, BAD, "d", 0, &url, &err), VOICECB_ERR_INVALID_UTF8, "fileName");
    EXPECT(voicecb_record_url(client, "r.wav", "d", 0, NULL, &err), VOICECB_ERR_NULL_ARGUMENT, "url_out");
    EXPECT(voicecb_record_url(NULL, "r.wav", "d", 0, &url, &err), VOICECB_ERR_NULL_ARGUMENT, "client");
    /* Unknown to the sandbox: its 1012007, a code the catalogue does not know. */
    voicecb_error *err = NULL;
    CHECK(voicecb_record_url(client, "nothing.wav", "nowhere", 0, &url, &err) == VOICECB_ERR_PLATFORM);
    CHECK(streq(voicecb_error_result_code(err), "1012007") && voicecb_error_code_info(err) == NULL);
    voicecb_error_free(err);
    CHECK(streq(url, "untouched"));

    int port = 0;
    int lfd = listen_local(&port);
    CHECK(lfd >= 0);
    if (lfd < 0) return;
    char fee[64];
    snprintf(fee, sizeof fee, "http://127.0.0.1:%d/fee", port);
    voicecb_click2call *call = NULL;
    EXPECT(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &call, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_record_flag(call, true, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_max_duration(call, 1, &err), VOICECB_OK, NO_FIELD);
    EXPECT(voicecb_click2call_set_fee_url(call, fee, &err), VOICECB_OK, NO_FIELD);
    char *session_id = NULL;
    EXPECT(voicecb_click2call_send(client, call, 0, &session_id, NULL, &err), VOICECB_OK, NO_FIELD);
    voicecb_click2call_free(call);

    char *bill = receive_push(lfd);
    close(lfd);
    CHECK(bill != NULL);
    if (bill == NULL) {
        voicecb_string_free(session_id);
        return;
    }
    voicecb_notification *n = NULL;
    EXPECT(voicecb_notification_parse((const uint8_t *)bill, strlen(bill), &n, &err), VOICECB_OK, NO_FIELD);
    free(bill);
    CHECK(voicecb_notification_record_count(n) == 1);
    CHECK(streq(voicecb_notification_record_get(n, 0, "sessionId"), session_id));
    CHECK(streq(voicecb_notification_record_get(n, 0, "serviceType"), "002"));
    CHECK(streq(voicecb_notification_record_get(n, 0, "recordFlag"), "1"));
    EXPECT(voicecb_notification_record_url(client, n, 1, 0, &url, &err), VOICECB_ERR_INVALID_ARGUMENT, "record");
    url = NULL;
    EXPECT(voicecb_notification_record_url(client, n, 0, 0, &url, &err), VOICECB_OK, NO_FIELD);
    CHECK(url != NULL && strncmp(url, getenv("VOICECB_BASE_URL"), strlen(getenv("VOICECB_BASE_URL"))) == 0);
    CHECK(download_wav(url));
    voicecb_string_free(url);

    /* The same by the record's fields. */
    url = NULL;
    EXPECT(voicecb_record_url(client, voicecb_notification_record_get(n, 0, "recordObjectName"),
                              voicecb_notification_record_get(n, 0, "recordDomain"), 5000, &url, &err),
           VOICECB_OK, NO_FIELD);
    CHECK(url != NULL && download_wav(url));
    voicecb_string_free(url);
    voicecb_notification_free(n);
    voicecb_string_free(session_id);
}

int main(void) {
    if (getenv("VOICECB_BASE_URL") == NULL || getenv("VOICECB_APP_KEY") == NULL ||
        getenv("VOICECB_APP_SECRET") == NULL) {
        fprintf(stderr, "usage: tests/with-sandbox.sh build/test_scenes\n");
        return 2;
    }
    voicecb_client *client = sandbox_client(getenv("VOICECB_APP_SECRET"));
    CHECK(client != NULL);
    if (client == NULL) return 1;
    test_notify_request();
    test_notify_sends(client);
    test_verify(client);
    test_record_flow(client);
    voicecb_client_free(client);
    printf("c-scenes: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
