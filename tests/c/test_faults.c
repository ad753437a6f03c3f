/*
 * Fault tests of the C ABI (issue 7) against a tiny misbehaving HTTP
 * server in this file, on 127.0.0.1: connection refused, a name that does
 * not resolve, a server that never answers, headers then silence, a byte a
 * second, a reset in the middle of the body, answers that are not HTTP,
 * 200s with an empty body, no resultcode or wrong JSON types, an HTML 502,
 * and a 10 MiB body. Each call must give the right result code, say
 * whether the request may have been sent, leave its out-parameters alone,
 * and return within the configured timeout plus a margin (2 s; 5 s under
 * valgrind, or VOICECB_FAULT_MARGIN_MS). Built with -Wall -Wextra -Werror
 * and run under valgrind and under ASan/UBSan, like test_ffi.
 *
 * The fault server handles one connection at a time on its own thread:
 * it reads the request head and its Content-Length body, then misbehaves.
 * Every wait is bounded and every socket is closed; writes use
 * MSG_NOSIGNAL, since the client may hang up first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "voicecb.h"
#include "check.h"


static const char *DISPLAY = "+8675512345678";
static const char *CALLER = "+8613800000001";
static const char *CALLEE = "+8613800000002";
static const char *SESSION_ID = "1234_567_0_20261128000000@callenabler.home1.com";

/* The whole run is killed if it takes longer than this: a hang guard for
 * `make`, far above what the run needs even under valgrind. */
enum { WATCHDOG_SECS = 240 };

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* How late a call may return past its timeout. */
static long long margin_ms(void) {
    const char *m = getenv("VOICECB_FAULT_MARGIN_MS");
    if (m != NULL && *m != '\0') return atoll(m);
    const char *preload = getenv("LD_PRELOAD");
    if (preload != NULL && strstr(preload, "vgpreload") != NULL) return 5000; /* valgrind */
    return 2000;
}

/* ------------------------------------------------------------ the server */

struct server;
typedef void (*scenario)(struct server *s, int fd);

struct server {
    int listen_fd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    atomic_int accepted;
    atomic_llong body_bytes_sent; /* the 10 MiB scenario's count */
    scenario serve;
    const char *answer; /* for fixed_answer */
    size_t answer_len;
};

static bool stopping(struct server *s) { return atomic_load(&s->stop); }

/* Waits up to `ms` for `events` on fd; true when they came. */
static bool wait_fd(int fd, short events, int ms) {
    struct pollfd p = {fd, events, 0};
    int r;
    do {
        r = poll(&p, 1, ms);
    } while (r < 0 && errno == EINTR);
    return r > 0;
}

/* Reads one request: the head and its Content-Length body, within 5 s. */
static bool read_request(struct server *s, int fd) {
    static char buf[64 * 1024];
    size_t len = 0;
    long long deadline = now_ms() + 5000;
    while (len < sizeof buf - 1 && !stopping(s) && now_ms() < deadline) {
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            size_t body = 0;
            for (char *line = buf; line < end; line = strstr(line, "\r\n") + 2) {
                if (strncasecmp(line, "content-length:", 15) == 0) body = (size_t)strtoul(line + 15, NULL, 10);
            }
            if (len >= (size_t)(end - buf) + 4 + body) return true;
        }
        if (!wait_fd(fd, POLLIN, 50)) continue;
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0) return false;
        len += (size_t)n;
    }
    return false;
}

/* Waits up to `ms` for the client to close, discarding what it sends;
 * true when it closed (or the connection broke). */
static bool wait_for_close(struct server *s, int fd, int ms) {
    long long deadline = now_ms() + ms;
    char sink[4096];
    while (!stopping(s) && now_ms() < deadline) {
        if (!wait_fd(fd, POLLIN, 50)) continue;
        if (recv(fd, sink, sizeof sink, 0) <= 0) return true;
    }
    return false;
}

/* Writes all of buf; false when the client has gone. SO_SNDTIMEO bounds
 * a write to a client that stopped reading. */
static bool send_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_str(int fd, const char *s) { return send_all(fd, s, strlen(s)); }

static void *server_main(void *arg) {
    struct server *s = arg;
    while (!stopping(s)) {
        if (!wait_fd(s->listen_fd, POLLIN, 50)) continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        atomic_fetch_add(&s->accepted, 1);
        struct timeval tv = {5, 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        s->serve(s, fd);
        close(fd);
    }
    return NULL;
}

static bool server_start(struct server *s, scenario serve) {
    memset(s, 0, sizeof *s);
    atomic_init(&s->stop, false);
    atomic_init(&s->accepted, 0);
    atomic_init(&s->body_bytes_sent, 0);
    s->serve = serve;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0) return false;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t alen = sizeof addr;
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s->listen_fd, 16) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen) != 0 ||
        pthread_create(&s->thread, NULL, server_main, s) != 0) {
        close(s->listen_fd);
        return false;
    }
    s->port = ntohs(addr.sin_port);
    return true;
}

static void server_stop(struct server *s) {
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL); /* bounded: every wait checks `stop` */
    close(s->listen_fd);
}

/* A port of 127.0.0.1 that was free a moment ago and has no listener now. */
static int refused_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &alen) == 0) {
        port = ntohs(addr.sin_port);
    }
    if (fd >= 0) close(fd);
    return port;
}

/* --------------------------------------------------------- the scenarios */

/* Reads the request and never answers; holds the socket until the client
 * gives up. */
static void silent(struct server *s, int fd) {
    read_request(s, fd);
    wait_for_close(s, fd, 20000);
}

/* Sends the head and the start of the body, then stalls. */
static void headers_then_stall(struct server *s, int fd) {
    if (read_request(s, fd) &&
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"res")) {
        wait_for_close(s, fd, 20000);
    }
}

/* Sends a success one byte a second until the client hangs up. */
static void drip(struct server *s, int fd) {
    static const char answer[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"resultcode\":\"0\"}";
    if (!read_request(s, fd)) return;
    for (size_t i = 0; i + 1 < sizeof answer && i < 20; i++) {
        if (!send_all(fd, &answer[i], 1) || wait_for_close(s, fd, 1000)) return;
    }
}

/* Sends the head and part of the body, then resets the connection
 * (SO_LINGER 0: the close in server_main sends RST instead of FIN). */
static void reset_mid_body(struct server *s, int fd) {
    if (!read_request(s, fd)) return;
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"resultcode\":");
    sleep_ms(100);
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

enum { HUGE_BODY = 10 * 1024 * 1024 };

/* Announces 10 MiB and streams zeros until the client hangs up. */
static void huge_body(struct server *s, int fd) {
    static const char zeros[64 * 1024];
    if (!read_request(s, fd) ||
        !send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n")) {
        return;
    }
    long long sent = 0;
    while (sent < HUGE_BODY && !stopping(s) && send_all(fd, zeros, sizeof zeros)) sent += (long long)sizeof zeros;
    atomic_store(&s->body_bytes_sent, sent);
}

/* Sends s->answer verbatim, ends its side, and lets the client read it all. */
static void fixed_answer(struct server *s, int fd) {
    if (!read_request(s, fd)) return;
    send_all(fd, s->answer, s->answer_len);
    shutdown(fd, SHUT_WR);
    wait_for_close(s, fd, 2000);
}

/* ------------------------------------------------------------ the client */

enum { CALL_STOP = 1, CLICK2CALL = 2, BOTH = 3 };

struct expect {
    const char *name;
    voicecb_result kind;
    voicecb_result slow_kind;  /* also accepted once connect_ms has passed (DNS), or 0 */
    bool not_sent;             /* voicecb_error_request_not_sent */
    uint16_t http_status;      /* voicecb_error_http_status */
    const char *needle;        /* in the message, or NULL */
    uint32_t timeout_ms;       /* the client's whole-request timeout */
    uint32_t connect_ms;       /* the client's connect timeout, 0: default */
    uint32_t per_call_ms;      /* the call's timeout_ms argument */
    int calls;                 /* CALL_STOP, CLICK2CALL or BOTH */
};

static const char *kind_name(voicecb_result rc) {
    switch (rc) {
    case VOICECB_OK: return "OK";
    case VOICECB_ERR_TRANSPORT: return "TRANSPORT";
    case VOICECB_ERR_TIMEOUT: return "TIMEOUT";
    case VOICECB_ERR_TLS: return "TLS";
    case VOICECB_ERR_BAD_RESPONSE: return "BAD_RESPONSE";
    case VOICECB_ERR_PLATFORM: return "PLATFORM";
    default: return voicecb_result_str(rc);
    }
}

/* Checks one failed call's error against `e`; `ms` is how long it took. */
static void check_error(const struct expect *e, const char *call, voicecb_result rc, voicecb_error *err,
                        long long ms) {
    const char *msg = voicecb_error_message(err);
    printf("  %-24s %-10s %-12s %5lld ms  %s\n", e->name, call, kind_name(rc), ms, msg ? msg : "(no error)");
    uint32_t limit = e->per_call_ms != 0 && e->per_call_ms < e->timeout_ms ? e->per_call_ms : e->timeout_ms;
    bool kind_ok = rc == e->kind || (e->slow_kind != 0 && rc == e->slow_kind && ms >= (long long)e->connect_ms - 50);
    if (!kind_ok) fprintf(stderr, "%s/%s: expected %s, got %s\n", e->name, call, kind_name(e->kind), kind_name(rc));
    CHECK(kind_ok);
    CHECK(err != NULL);
    CHECK(voicecb_error_code(err) == rc);
    CHECK(msg != NULL && strlen(msg) > 0 && strlen(msg) < 1024);
    CHECK(voicecb_error_field(err) == NULL);
    CHECK(voicecb_error_result_code(err) == NULL && voicecb_error_code_info(err) == NULL);
    if (voicecb_error_request_not_sent(err) != e->not_sent)
        fprintf(stderr, "%s/%s: request_not_sent is %d\n", e->name, call, !e->not_sent);
    CHECK(voicecb_error_request_not_sent(err) == e->not_sent);
    if (voicecb_error_http_status(err) != e->http_status)
        fprintf(stderr, "%s/%s: HTTP status %u, expected %u\n", e->name, call,
                (unsigned)voicecb_error_http_status(err), (unsigned)e->http_status);
    CHECK(voicecb_error_http_status(err) == e->http_status);
    if (e->needle != NULL) {
        if (msg == NULL || strstr(msg, e->needle) == NULL)
            fprintf(stderr, "%s/%s: message lacks \"%s\"\n", e->name, call, e->needle);
        CHECK(msg != NULL && strstr(msg, e->needle) != NULL);
    }
    /* A hang guard, not a speed test; a timeout is not early either. */
    long long budget = (long long)limit + margin_ms();
    if (ms >= budget) fprintf(stderr, "%s/%s: took %lld ms, limit %lld\n", e->name, call, ms, budget);
    CHECK(ms < budget);
    if (rc == VOICECB_ERR_TIMEOUT) CHECK(ms + 50 >= (long long)limit || e->slow_kind != 0);
}

/* Makes a client for `base_url` with e's timeouts and makes e's calls. */
static void run_case(const struct expect *e, const char *base_url) {
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    voicecb_click2call *req = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    CHECK(voicecb_options_set_base_url(opts, base_url, NULL) == VOICECB_OK);
    CHECK(voicecb_options_set_timeout_ms(opts, e->timeout_ms, NULL) == VOICECB_OK);
    if (e->connect_ms != 0) CHECK(voicecb_options_set_connect_timeout_ms(opts, e->connect_ms, NULL) == VOICECB_OK);
    CHECK(voicecb_client_new("fault-key", "fault-secret", opts, &client, NULL) == VOICECB_OK);
    voicecb_options_free(opts);
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    CHECK(voicecb_click2call_set_return_idle_port(req, true, NULL) == VOICECB_OK);
    if (client == NULL || req == NULL) {
        voicecb_click2call_free(req);
        voicecb_client_free(client);
        return;
    }

    if (e->calls & CALL_STOP) {
        voicecb_error *err = NULL;
        long long t0 = now_ms();
        voicecb_result rc = voicecb_call_stop(client, SESSION_ID, e->per_call_ms, &err);
        check_error(e, "callStop", rc, err, now_ms() - t0);
        voicecb_error_free(err);
    }
    if (e->calls & CLICK2CALL) {
        static char sentinel[] = "untouched";
        char *session_id = sentinel;
        int32_t idle = 12345;
        voicecb_error *err = NULL;
        long long t0 = now_ms();
        voicecb_result rc = voicecb_click2call_send(client, req, e->per_call_ms, &session_id, &idle, &err);
        check_error(e, "click2Call", rc, err, now_ms() - t0);
        CHECK(session_id == sentinel && idle == 12345); /* out-params written only on success */
        voicecb_error_free(err);
    }
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

/* Starts a server running `serve` (answering `answer` for fixed_answer),
 * runs the case against it, stops it; returns the connections accepted. */
static int run_against(const struct expect *e, scenario serve, const char *answer, size_t answer_len,
                       struct server *s) {
    if (!server_start(s, serve)) {
        fprintf(stderr, "%s: cannot start the fault server\n", e->name);
        CHECK(0);
        return 0;
    }
    s->answer = answer;
    s->answer_len = answer_len;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    run_case(e, url);
    server_stop(s);
    int accepted = atomic_load(&s->accepted);
    int calls = (e->calls & CALL_STOP ? 1 : 0) + (e->calls & CLICK2CALL ? 1 : 0);
    if (accepted != calls) fprintf(stderr, "%s: %d connections for %d calls\n", e->name, accepted, calls);
    CHECK(accepted == calls); /* each call reached the server once, none was retried */
    return accepted;
}

static void run_fixed(const struct expect *e, const char *answer, size_t len) {
    struct server s;
    run_against(e, fixed_answer, answer, len, &s);
}

#define RUN_FIXED(e, literal) run_fixed((e), (literal), sizeof(literal) - 1)

/* -------------------------------------------------------------- the tests */

static void test_refused(void) {
    const struct expect e = {"connection refused", VOICECB_ERR_TRANSPORT, 0, true, 0, "); nothing was sent", 1000, 0, 0, BOTH};
    int port = refused_port();
    CHECK(port > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    run_case(&e, url);
}

static void test_unresolvable(void) {
    /* glibc asks the configured name server, which answers NXDOMAIN for
     * .invalid (RFC 6761) at once: Transport. Were the resolver to hang,
     * the connect timeout would end it: Timeout. Either way no connection
     * was made, so voicecb.h says the request is known unsent. */
    const struct expect e = {"name does not resolve", VOICECB_ERR_TRANSPORT, VOICECB_ERR_TIMEOUT, true, 0, "; nothing was sent",
                             1500, 1000, 0, BOTH};
    run_case(&e, "http://voicecb-test.invalid:80");
}

static void test_timeouts(void) {
    struct server s;
    const struct expect silent_e = {"never answers", VOICECB_ERR_TIMEOUT, 0, false, 0,
                                  "within 0.5 s (request timeout); the request may have reached the platform",
                                  500, 0, 0, BOTH};
    run_against(&silent_e, silent, NULL, 0, &s);
    /* The call's own timeout_ms, shorter than the client's 10 s. */
    const struct expect per_call = {"never answers (per call)", VOICECB_ERR_TIMEOUT, 0, false, 0, "(the call's own timeout",
                                    10000, 0, 600, BOTH};
    run_against(&per_call, silent, NULL, 0, &s);
    const struct expect stall = {"headers then stall", VOICECB_ERR_TIMEOUT, 0, false, 0, NULL, 700, 0, 0, BOTH};
    run_against(&stall, headers_then_stall, NULL, 0, &s);
    const struct expect dripping = {"a byte a second", VOICECB_ERR_TIMEOUT, 0, false, 0, NULL, 1500, 0, 0, BOTH};
    run_against(&dripping, drip, NULL, 0, &s);
}

static void test_reset(void) {
    struct server s;
    const struct expect e = {"reset mid-body", VOICECB_ERR_TRANSPORT, 0, false, 0, "may have reached the platform", 1500, 0, 0,
                               BOTH};
    run_against(&e, reset_mid_body, NULL, 0, &s);
}

static void test_not_http(void) {
    const struct expect ssh = {"garbage: SSH banner", VOICECB_ERR_BAD_RESPONSE, 0, false, 0, "not valid HTTP", 1500, 0,
                               0, BOTH};
    RUN_FIXED(&ssh, "SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n");
    const struct expect junk = {"garbage: binary", VOICECB_ERR_BAD_RESPONSE, 0, false, 0, "not valid HTTP", 1500, 0, 0,
                                BOTH};
    RUN_FIXED(&junk, "\x00\x01\x02\xff\xfe\r\n\r\n\x16\x03\x01garbage");
}

static void answer_200(const struct expect *e, const char *body) {
    char answer[1024];
    int n = snprintf(answer, sizeof answer,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     strlen(body), body);
    CHECK(n > 0 && (size_t)n < sizeof answer);
    run_fixed(e, answer, (size_t)n);
}

static void test_bad_200s(void) {
    const struct expect empty = {"200, empty body", VOICECB_ERR_BAD_RESPONSE, 0, false, 200, "not JSON", 1500, 0, 0,
                                 BOTH};
    answer_200(&empty, "");
    const struct expect none = {"200, no resultcode", VOICECB_ERR_BAD_RESPONSE, 0, false, 200, "no resultcode", 1500,
                                0, 0, BOTH};
    answer_200(&none, "{\"resultdesc\":\"Success\",\"sessionId\":\"x@y\"}");
    const struct expect types = {"200, resultcode a bool", VOICECB_ERR_BAD_RESPONSE, 0, false, 200,
                                 "resultcode is not", 1500, 0, 0, BOTH};
    answer_200(&types, "{\"resultcode\":true,\"resultdesc\":5}");
    const struct expect array = {"200, JSON array", VOICECB_ERR_BAD_RESPONSE, 0, false, 200, "not an object", 1500, 0,
                                 0, BOTH};
    answer_200(&array, "[\"resultcode\",\"0\"]");
    /* Success for callStop; only click2Call reads these fields. */
    const struct expect sid = {"200, sessionId a number", VOICECB_ERR_BAD_RESPONSE, 0, false, 200,
                               "without a sessionId", 1500, 0, 0, CLICK2CALL};
    answer_200(&sid, "{\"resultcode\":\"0\",\"sessionId\":42}");
    const struct expect idle = {"200, idlePort a string", VOICECB_ERR_BAD_RESPONSE, 0, false, 200, "idlePort", 1500,
                                0, 0, CLICK2CALL};
    answer_200(&idle, "{\"resultcode\":\"0\",\"sessionId\":\"x@y\",\"idlePort\":\"many\"}");
}

static void test_html_502(void) {
    const struct expect e = {"HTML 502", VOICECB_ERR_BAD_RESPONSE, 0, false, 502, "502 Bad Gateway", 1500, 0, 0, BOTH};
    RUN_FIXED(&e, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 41\r\n"
                  "Connection: close\r\n\r\n<html><body>502 Bad Gateway</body></html>");
}

static long max_rss_kib(void) {
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static void test_huge_body(void) {
    /* Peak RSS before and after: reading 10 MiB would raise it by 10 MiB
     * at least; the library stops after 64 KiB. */
    long before = max_rss_kib();
    struct server s;
    const struct expect e = {"10 MiB body", VOICECB_ERR_BAD_RESPONSE, 0, false, 200, "64 KiB", 5000, 0, 0, BOTH};
    run_against(&e, huge_body, NULL, 0, &s);
    long after = max_rss_kib();
    printf("  %-24s peak RSS %ld KiB -> %ld KiB; server wrote %lld body bytes of the last answer\n", e.name, before,
           after, (long long)atomic_load(&s.body_bytes_sent));
    CHECK(before > 0 && after - before < 8 * 1024);
    /* What the server wrote before the client hung up is not checked: the
     * loopback socket buffers may take a few MiB the client never reads. */
}

int main(void) {
    alarm(WATCHDOG_SECS);
    long long t0 = now_ms();
    printf("c-faults: each call must end within its timeout + %lld ms\n", margin_ms());
    test_refused();
    test_unresolvable();
    test_timeouts();
    test_reset();
    test_not_http();
    test_bad_200s();
    test_html_502();
    test_huge_body();
    printf("c-faults: %d passed, %d failed (%lld ms)\n", passed, failed, now_ms() - t0);
    return failed == 0 ? 0 : 1;
}
