/*
 * Events through the C ABI, against a running sandbox (tests/with-sandbox.sh):
 * the events of a successful call, a refusal, a retried call and a timeout,
 * with their getters and JSON; the call's result and error tallies; every
 * getter given NULL; no secret and no unmasked number in any event of a
 * failing path; and 8 threads reporting through one callback at once.
 * Built with -Wall -Wextra -Werror and run under valgrind and ASan/UBSan.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "voicecb.h"
#include "check.h"
#include "sandbox_admin.h"
#include "silent_port.h"

static const char *DISPLAY = "+8675512345678";
static const char *CALLER = "+8613800000001";
static const char *CALLEE = "+8613800000002";

enum { MAX_EVENTS = 64, TEXT = 1024 };

/* An event as the test keeps it: events are borrowed during the callback. */
struct seen {
    int level;
    char kind[16], api[16], outcome[16];
    uint32_t attempt;
    uint64_t elapsed_us, attempt_elapsed_us;
    voicecb_result error_code;
    uint16_t http_status;
    char result_code[32];
    bool reached;
    int64_t retry_in_ms;
    char session_id[256], request_id[64], caller[32];
    char json[TEXT], line[TEXT];
};

struct recorder {
    pthread_mutex_t lock;
    struct seen events[MAX_EVENTS];
    int count;
    long total; /* every event, also those past MAX_EVENTS */
};

static void copy(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src ? src : "");
}

static void record(const voicecb_event *ev, void *userdata) {
    struct recorder *r = userdata;
    pthread_mutex_lock(&r->lock);
    r->total++;
    if (r->count < MAX_EVENTS) {
        struct seen *s = &r->events[r->count++];
        s->level = voicecb_event_level(ev);
        copy(s->kind, sizeof s->kind, voicecb_event_kind(ev));
        copy(s->api, sizeof s->api, voicecb_event_api(ev));
        copy(s->outcome, sizeof s->outcome, voicecb_event_outcome(ev));
        s->attempt = voicecb_event_attempt(ev);
        s->elapsed_us = voicecb_event_elapsed_us(ev);
        s->attempt_elapsed_us = voicecb_event_attempt_elapsed_us(ev);
        s->error_code = voicecb_event_error_code(ev);
        s->http_status = voicecb_event_http_status(ev);
        copy(s->result_code, sizeof s->result_code, voicecb_event_result_code(ev));
        s->reached = voicecb_event_may_have_reached_platform(ev);
        s->retry_in_ms = voicecb_event_retry_in_ms(ev);
        copy(s->session_id, sizeof s->session_id, voicecb_event_session_id(ev));
        copy(s->request_id, sizeof s->request_id, voicecb_event_request_id(ev));
        copy(s->caller, sizeof s->caller, voicecb_event_number(ev, "callerNbr"));
        copy(s->json, sizeof s->json, voicecb_event_json(ev));
        copy(s->line, sizeof s->line, voicecb_event_line(ev));
    }
    pthread_mutex_unlock(&r->lock);
}

static void reset(struct recorder *r) {
    pthread_mutex_lock(&r->lock);
    r->count = 0;
    r->total = 0;
    pthread_mutex_unlock(&r->lock);
}

/* A client of the sandbox whose events go to `r`; `retries` > 1 turns the
 * retry policy on (waits of 10 to 20 ms). */
static voicecb_client *make_client(struct recorder *r, const char *base_url, const char *secret, uint32_t timeout_ms,
                                   uint32_t retries, bool mask) {
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    if (voicecb_options_new(&opts) != VOICECB_OK) return NULL;
    bool ok = voicecb_options_set_base_url(opts, base_url, NULL) == VOICECB_OK &&
              voicecb_options_set_timeout_ms(opts, timeout_ms, NULL) == VOICECB_OK &&
              voicecb_options_set_event_callback(opts, record, r, NULL) == VOICECB_OK &&
              voicecb_options_set_mask_numbers(opts, mask, NULL) == VOICECB_OK &&
              (retries <= 1 || voicecb_options_set_retry(opts, retries, 10, 20, NULL) == VOICECB_OK) &&
              voicecb_client_new(getenv("VOICECB_APP_KEY"), secret, opts, &client, NULL) == VOICECB_OK;
    voicecb_options_free(opts);
    return ok ? client : NULL;
}

static voicecb_click2call *request(void) {
    voicecb_click2call *req = NULL;
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    return req;
}

static bool is_request_id(const char *s) {
    if (strlen(s) != 32) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) return false;
    return true;
}

static void test_success(struct recorder *r) {
    voicecb_client *client = make_client(r, getenv("VOICECB_BASE_URL"), getenv("VOICECB_APP_SECRET"), 10000, 1, true);
    voicecb_click2call *req = request();
    CHECK(client != NULL);
    reset(r);
    voicecb_call_result *result = NULL;
    voicecb_error *err = NULL;
    CHECK(voicecb_click2call_send_result(client, req, 0, &result, &err) == VOICECB_OK);
    CHECK(err == NULL);
    const char *sid = voicecb_call_result_session_id(result);
    CHECK(sid != NULL && strlen(sid) > 0);
    CHECK(voicecb_call_result_attempts(result) == 1);
    CHECK(voicecb_call_result_elapsed_us(result) > 0);
    CHECK(voicecb_call_result_idle_port(result) == -1);

    CHECK(r->count == 2);
    const struct seen *a = &r->events[0], *f = &r->events[1];
    CHECK(streq(a->kind, "attempt") && streq(f->kind, "finished"));
    CHECK(a->level == VOICECB_EVENT_LEVEL_DEBUG && f->level == VOICECB_EVENT_LEVEL_INFO);
    for (int i = 0; i < 2 && r->count == 2; i++) {
        const struct seen *e = &r->events[i];
        CHECK(streq(e->api, "click2Call") && streq(e->outcome, "answered") && e->attempt == 1);
        CHECK(e->error_code == VOICECB_OK && e->http_status == 0 && e->result_code[0] == '\0');
        CHECK(e->reached && e->retry_in_ms == -1);
        CHECK(streq(e->session_id, sid));
        CHECK(is_request_id(e->request_id));
        CHECK(streq(e->caller, "+86138****0001"));
        CHECK(e->attempt_elapsed_us <= e->elapsed_us);
        CHECK(strstr(e->json, "\"callerNbr\":\"+86138****0001\"") != NULL);
        CHECK(strstr(e->line, "click2Call") != NULL);
    }
    CHECK(f->elapsed_us == voicecb_call_result_elapsed_us(result));
    printf("  %s\n  %s\n", a->line, f->line);

    /* callStop: its argument is the session id; it has no numbers. */
    reset(r);
    CHECK(voicecb_call_stop(client, sid, 0, NULL) == VOICECB_OK);
    CHECK(r->count == 2 && streq(r->events[1].api, "callStop") && streq(r->events[1].session_id, sid) &&
          r->events[1].caller[0] == '\0');
    voicecb_call_result_free(result);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

static void test_refusal_and_retry(struct recorder *r) {
    voicecb_client *client = make_client(r, getenv("VOICECB_BASE_URL"), getenv("VOICECB_APP_SECRET"), 10000, 1, true);
    voicecb_click2call *req = request();
    reset(r);
    CHECK(sandbox_admin_post("/__sandbox/next", "{\"http_status\":403,\"resultcode\":\"1010010\",\"count\":1}"));
    voicecb_call_result *result = NULL;
    voicecb_error *err = NULL;
    CHECK(voicecb_click2call_send_result(client, req, 0, &result, &err) == VOICECB_ERR_PLATFORM);
    CHECK(result == NULL);
    CHECK(voicecb_error_attempts(err) == 1 && voicecb_error_elapsed_us(err) > 0);
    CHECK(r->count == 2);
    for (int i = 0; i < r->count; i++) {
        const struct seen *e = &r->events[i];
        CHECK(streq(e->outcome, "refused") && e->level == VOICECB_EVENT_LEVEL_WARN);
        CHECK(e->error_code == VOICECB_ERR_PLATFORM && e->http_status == 403 && streq(e->result_code, "1010010"));
        CHECK(e->session_id[0] == '\0');
    }
    printf("  %s\n", r->events[1].line);
    voicecb_error_free(err);
    voicecb_client_free(client);

    /* With retries on, two retry-safe refusals then success: three tries. */
    client = make_client(r, getenv("VOICECB_BASE_URL"), getenv("VOICECB_APP_SECRET"), 10000, 3, true);
    reset(r);
    CHECK(sandbox_admin_post("/__sandbox/next", "{\"http_status\":403,\"resultcode\":\"1010010\",\"count\":2}"));
    CHECK(voicecb_click2call_send_result(client, req, 0, &result, NULL) == VOICECB_OK);
    CHECK(voicecb_call_result_attempts(result) == 3);
    CHECK(r->count == 4);
    if (r->count == 4) {
        for (int i = 0; i < 2; i++) {
            CHECK(streq(r->events[i].kind, "attempt") && r->events[i].attempt == (uint32_t)i + 1);
            CHECK(streq(r->events[i].outcome, "refused") && r->events[i].level == VOICECB_EVENT_LEVEL_WARN);
            CHECK(r->events[i].retry_in_ms >= 0 && r->events[i].retry_in_ms <= 20);
            CHECK(strstr(r->events[i].line, "retry in") != NULL);
        }
        CHECK(streq(r->events[2].outcome, "answered") && r->events[2].retry_in_ms == -1);
        CHECK(streq(r->events[3].kind, "finished") && r->events[3].attempt == 3);
        CHECK(!streq(r->events[0].request_id, r->events[1].request_id) &&
              !streq(r->events[1].request_id, r->events[2].request_id));
    }
    voicecb_call_result_free(result);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

static void test_timeout(struct recorder *r) {
    int fd = -1;
    int port = silent_port(&fd);
    CHECK(port > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    voicecb_client *client = make_client(r, url, "s3cr3t-never-shown", 300, 1, true);
    voicecb_click2call *req = request();
    reset(r);
    voicecb_error *err = NULL;
    CHECK(voicecb_click2call_send_result(client, req, 0, &(voicecb_call_result *){NULL}, &err) == VOICECB_ERR_TIMEOUT);
    CHECK(voicecb_error_attempts(err) == 1);
    CHECK(r->count == 2);
    for (int i = 0; i < r->count; i++) {
        CHECK(streq(r->events[i].outcome, "timeout") && r->events[i].error_code == VOICECB_ERR_TIMEOUT);
        CHECK(r->events[i].reached);
    }
    CHECK(r->count == 2 && r->events[0].level == VOICECB_EVENT_LEVEL_DEBUG &&
          r->events[1].level == VOICECB_EVENT_LEVEL_WARN);
    CHECK(r->count == 2 && strstr(r->events[1].line, "may have reached the platform") != NULL);
    voicecb_error_free(err);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
    close(fd);
}

/* Every event of every failing path: no secret, no header, no whole number. */
static void test_hygiene(struct recorder *r) {
    const char *secret = "s3cr3t-never-shown-0123456789";
    voicecb_click2call *req = request();
    voicecb_click2call *bad = NULL;
    CHECK(voicecb_click2call_new(DISPLAY, "123", CALLEE, &bad, NULL) == VOICECB_OK);
    voicecb_client *wrong = make_client(r, getenv("VOICECB_BASE_URL"), secret, 10000, 2, true);
    reset(r);
    CHECK(voicecb_click2call_send(wrong, req, 0, &(char *){NULL}, NULL, NULL) == VOICECB_ERR_PLATFORM);
    CHECK(voicecb_click2call_send(wrong, bad, 0, &(char *){NULL}, NULL, NULL) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(voicecb_call_stop(wrong, "1_2_0_3@x", 0, NULL) == VOICECB_ERR_PLATFORM);
    CHECK(r->count >= 5);
    for (int i = 0; i < r->count; i++) {
        const struct seen *e = &r->events[i];
        for (const char *text = e->json; text; text = text == e->json ? e->line : NULL) {
            CHECK(strstr(text, secret) == NULL && strstr(text, "PasswordDigest") == NULL &&
                  strstr(text, "UsernameToken") == NULL);
            CHECK(strstr(text, CALLER) == NULL && strstr(text, CALLEE) == NULL);
        }
    }
    /* The invalid request ends without a try. */
    CHECK(r->count >= 3 && streq(r->events[2].kind, "finished") && r->events[2].attempt == 0 &&
          streq(r->events[2].outcome, "invalid") && !r->events[2].reached);
    voicecb_client_free(wrong);

    /* Masking off shows the numbers whole. */
    voicecb_client *open = make_client(r, getenv("VOICECB_BASE_URL"), getenv("VOICECB_APP_SECRET"), 10000, 1, false);
    reset(r);
    char *sid = NULL;
    CHECK(voicecb_click2call_send(open, req, 0, &sid, NULL, NULL) == VOICECB_OK);
    voicecb_string_free(sid);
    CHECK(r->count >= 1 && streq(r->events[0].caller, CALLER) && strstr(r->events[0].json, CALLER) != NULL);
    voicecb_client_free(open);
    voicecb_click2call_free(bad);
    voicecb_click2call_free(req);
}

static void test_null(void) {
    CHECK(voicecb_event_level(NULL) == VOICECB_EVENT_LEVEL_DEBUG);
    CHECK(voicecb_event_kind(NULL) == NULL && voicecb_event_api(NULL) == NULL && voicecb_event_outcome(NULL) == NULL);
    CHECK(voicecb_event_attempt(NULL) == 0 && voicecb_event_elapsed_us(NULL) == 0 &&
          voicecb_event_attempt_elapsed_us(NULL) == 0);
    CHECK(voicecb_event_error_code(NULL) == VOICECB_OK && voicecb_event_http_status(NULL) == 0);
    CHECK(voicecb_event_result_code(NULL) == NULL && voicecb_event_result_desc(NULL) == NULL);
    CHECK(!voicecb_event_may_have_reached_platform(NULL) && voicecb_event_retry_in_ms(NULL) == -1);
    CHECK(voicecb_event_session_id(NULL) == NULL && voicecb_event_request_id(NULL) == NULL);
    CHECK(voicecb_event_number(NULL, "callerNbr") == NULL && voicecb_event_json(NULL) == NULL &&
          voicecb_event_line(NULL) == NULL);
    CHECK(voicecb_call_result_session_id(NULL) == NULL && voicecb_call_result_idle_port(NULL) == -1 &&
          voicecb_call_result_attempts(NULL) == 0 && voicecb_call_result_elapsed_us(NULL) == 0);
    voicecb_call_result_free(NULL);
    CHECK(voicecb_error_attempts(NULL) == 0 && voicecb_error_elapsed_us(NULL) == 0);
    voicecb_options *opts = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    /* NULL turns events off; a NULL handle is its own error. */
    CHECK(voicecb_options_set_event_callback(opts, NULL, NULL, NULL) == VOICECB_OK);
    CHECK(voicecb_options_set_event_callback(NULL, record, NULL, NULL) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(voicecb_options_set_mask_numbers(NULL, true, NULL) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(voicecb_click2call_send_result(NULL, NULL, 0, NULL, NULL) == VOICECB_ERR_NULL_ARGUMENT);
    voicecb_options_free(opts);
}

enum { THREADS = 8, CALLS = 25 };

struct worker {
    voicecb_client *client;
    int ok;
};

static void *work(void *arg) {
    struct worker *w = arg;
    voicecb_click2call *req = NULL;
    if (voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) != VOICECB_OK) return NULL;
    for (int i = 0; i < CALLS; i++) {
        char *sid = NULL;
        if (voicecb_click2call_send(w->client, req, 0, &sid, NULL, NULL) == VOICECB_OK) {
            if (voicecb_call_stop(w->client, sid, 0, NULL) == VOICECB_OK) w->ok++;
            voicecb_string_free(sid);
        }
    }
    voicecb_click2call_free(req);
    return NULL;
}

static void test_threads(struct recorder *r) {
    voicecb_client *client = make_client(r, getenv("VOICECB_BASE_URL"), getenv("VOICECB_APP_SECRET"), 10000, 1, true);
    CHECK(client != NULL);
    reset(r);
    pthread_t threads[THREADS];
    struct worker workers[THREADS] = {{0}};
    for (int i = 0; i < THREADS; i++) {
        workers[i].client = client;
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        ok += workers[i].ok;
    }
    CHECK(ok == THREADS * CALLS);
    /* Two calls (click2Call, callStop) per round, two events per call. */
    CHECK(r->total == (long)THREADS * CALLS * 2 * 2);
    printf("  %d threads x %d rounds: %ld events\n", THREADS, CALLS, r->total);
    voicecb_client_free(client);
}

int main(void) {
    static struct recorder r = {.lock = PTHREAD_MUTEX_INITIALIZER};
    test_null();
    test_success(&r);
    test_refusal_and_retry(&r);
    test_timeout(&r);
    test_hygiene(&r);
    test_threads(&r);
    printf("c-events: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
