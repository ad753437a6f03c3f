/*
 * Fault tests of the C ABI (issue 7) against a tiny misbehaving HTTP
 * server in this file, on 127.0.0.1: connection refused, a name that does
 * not resolve, a server that never answers, headers then silence, a byte a
 * second, a reset in the middle of the body, answers that are not HTTP,
 * 200s with an empty body, no resultcode or wrong JSON types, an HTML 502,
 * and a 10 MiB body. Each call must give the right result code, say
 * whether the request may have been sent, leave its out-parameters alone,
 * and, for a timeout, name the limit that ran out (the clock decides
 * nothing: a loaded machine stretches every call). Built with -Wall -Wextra -Werror
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
enum { WATCHDOG_SECS = 600 };

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
    char head[6];             /* the first bytes of the last request read */
    atomic_int requests;      /* counting's count of POSTs */
    atomic_bool marker_seen;  /* counting saw the marker */
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
            if (len >= (size_t)(end - buf) + 4 + body) {
                memcpy(s->head, buf, sizeof s->head - 1);
                s->head[sizeof s->head - 1] = '\0';
                return true;
            }
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
    atomic_init(&s->requests, 0);
    atomic_init(&s->marker_seen, false);
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

/* Counts the requests it reads and never answers them, like `silent`; a
 * connection that sends "MARK" instead marks the end of a test. */
static void counting(struct server *s, int fd) {
    if (!read_request(s, fd)) return;
    if (strncmp(s->head, "POST ", 5) == 0) {
        atomic_fetch_add(&s->requests, 1);
        wait_for_close(s, fd, 20000);
    } else if (strncmp(s->head, "MARK", 4) == 0) {
        atomic_store(&s->marker_seen, true);
    }
}

/* Connects to `s` after everything sent before and waits until the server
 * has handled that connection: connections are accepted in the order they
 * were made, and `counting` serves one at a time, so every connection the
 * client made before has then been read. True when the marker was seen. */
static bool drain(struct server *s) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)s->port);
    static const char marker[] = "MARK\r\n\r\n";
    char c;
    /* The server closes the marker's connection once it has read it. */
    bool ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && send_str(fd, marker) &&
              recv(fd, &c, 1, 0) == 0;
    close(fd);
    return ok && atomic_load(&s->marker_seen);
}

/* ------------------------------------------------------------ the client */

enum { CALL_STOP = 1, CLICK2CALL = 2, BOTH = 3 };

struct expect {
    const char *name;
    voicecb_result kind;
    voicecb_result slow_kind;  /* also accepted when it is the connect timeout that ran out (DNS), or 0 */
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
    bool per_call = e->per_call_ms != 0 && e->per_call_ms < e->timeout_ms;
    uint32_t limit = per_call ? e->per_call_ms : e->timeout_ms;
    int32_t ran_out = voicecb_error_timeout_limit(err);
    bool kind_ok = rc == e->kind ||
                   (e->slow_kind != 0 && rc == e->slow_kind && ran_out == VOICECB_TIMEOUT_LIMIT_CONNECT);
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
    /* Which limit ran out says whether the right one did; the clock is not
     * asked (a loaded machine stretches every call). A timeout is never
     * early: that bound only a faulty library can break. */
    if (rc == VOICECB_ERR_TIMEOUT) {
        int32_t want = e->slow_kind == VOICECB_ERR_TIMEOUT ? VOICECB_TIMEOUT_LIMIT_CONNECT
                       : per_call                          ? VOICECB_TIMEOUT_LIMIT_CALL
                                                           : VOICECB_TIMEOUT_LIMIT_REQUEST;
        if (ran_out != want) fprintf(stderr, "%s/%s: timeout limit %d, expected %d\n", e->name, call, ran_out, want);
        CHECK(ran_out == want);
        CHECK(ms + 50 >= (long long)limit || e->slow_kind != 0);
    } else {
        CHECK(ran_out == VOICECB_TIMEOUT_LIMIT_NONE);
    }
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
}

/* One click2Call against a server that answers `status_line` and `body`;
 * prints what the caller sees. `*session_id` and `*idle` are the outputs
 * (the caller frees *session_id), `*err` the error. */
static voicecb_result click2call_answered(const char *status_line, const char *body, size_t body_len,
                                          char **session_id, int32_t *idle, voicecb_error **err) {
    char answer[2048];
    int n = snprintf(answer, sizeof answer,
                     "HTTP/1.1 %s\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status_line, body_len);
    CHECK(n > 0 && (size_t)n + body_len < sizeof answer);
    memcpy(answer + n, body, body_len);
    struct server s;
    voicecb_result rc = VOICECB_ERR_PANIC;
    if (!server_start(&s, fixed_answer)) {
        CHECK(0);
        return rc;
    }
    s.answer = answer;
    s.answer_len = (size_t)n + body_len;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    voicecb_click2call *req = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    CHECK(voicecb_options_set_base_url(opts, url, NULL) == VOICECB_OK);
    CHECK(voicecb_client_new("fault-key", "fault-secret", opts, &client, NULL) == VOICECB_OK);
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    CHECK(voicecb_click2call_set_return_idle_port(req, true, NULL) == VOICECB_OK);
    rc = voicecb_click2call_send(client, req, 0, session_id, idle, err);
    const char *sid = rc == VOICECB_OK ? *session_id : voicecb_error_session_id(*err);
    printf("  %-26s %-12s session=%s idle=%d %s\n", status_line, kind_name(rc), sid ? sid : "(none)",
           rc == VOICECB_OK ? (int)*idle : 0, rc == VOICECB_OK ? "" : voicecb_error_message(*err));
    voicecb_click2call_free(req);
    voicecb_client_free(client);
    voicecb_options_free(opts);
    server_stop(&s);
    return rc;
}

#define ANSWER(status, literal, sid, idle, err) \
    click2call_answered((status), (literal), sizeof(literal) - 1, (sid), (idle), (err))

/* Issue 12: an answer that names a session never loses it. */
static void test_session_never_lost(void) {
    static const char *odd_ports[] = {
        "{\"resultcode\":\"0\",\"sessionId\":\"p1\",\"idlePort\":-1}",
        "{\"resultcode\":\"0\",\"sessionId\":\"p1\",\"idlePort\":70000}",
        "{\"resultcode\":\"0\",\"sessionId\":\"p1\",\"idlePort\":\"abc\"}",
        "{\"resultcode\":\"0\",\"sessionId\":\"p1\",\"idlePort\":2.5}",
    };
    for (size_t i = 0; i < sizeof odd_ports / sizeof odd_ports[0]; i++) {
        char *sid = NULL;
        int32_t idle = 12345;
        voicecb_error *err = NULL;
        voicecb_result rc = click2call_answered("200 OK", odd_ports[i], strlen(odd_ports[i]), &sid, &idle, &err);
        CHECK(rc == VOICECB_OK && streq(sid, "p1") && idle == -1 && err == NULL);
        voicecb_string_free(sid);
        voicecb_error_free(err);
    }
    static const char *statuses[] = {"302 Found", "500 Internal Server Error"};
    for (size_t i = 0; i < 2; i++) {
        char *sid = NULL;
        int32_t idle = 12345;
        voicecb_error *err = NULL;
        voicecb_result rc = ANSWER(statuses[i], "{\"resultcode\":\"0\",\"sessionId\":\"placed-1\"}", &sid, &idle, &err);
        CHECK(rc == VOICECB_ERR_PLATFORM && sid == NULL && idle == 12345);
        CHECK(streq(voicecb_error_session_id(err), "placed-1"));
        voicecb_error_free(err);
    }
    char *sid = NULL;
    int32_t idle = 12345;
    voicecb_error *err = NULL;
    voicecb_result rc =
        ANSWER("200 OK", "{\"resultcode\":\"0\",\"sessionId\":\"id\\r\\nX: 1\\u001b[2J\"}", &sid, &idle, &err);
    CHECK(rc == VOICECB_ERR_BAD_RESPONSE && sid == NULL);
    CHECK(streq(voicecb_error_session_id(err), "id\\r\\nX: 1\\u{1b}[2J"));
    const char *msg = voicecb_error_message(err);
    CHECK(msg != NULL && strpbrk(msg, "\r\n\x1b") == NULL);
    voicecb_error_free(err);
    err = NULL;
    rc = ANSWER("200 OK", "{\"resultcode\":\"0\",\"sessionId\":\"placed-2\",\"x\":\"\xff\"}", &sid, &idle, &err);
    CHECK(rc == VOICECB_ERR_BAD_RESPONSE && streq(voicecb_error_session_id(err), "placed-2"));
    voicecb_error_free(err);
    err = NULL;
    /* No session id in the answer: NULL. */
    rc = ANSWER("403 Forbidden", "{\"resultcode\":\"1010010\",\"resultdesc\":\"a\\r\\nb\"}", &sid, &idle, &err);
    CHECK(rc == VOICECB_ERR_PLATFORM && voicecb_error_session_id(err) == NULL);
    CHECK(streq(voicecb_error_result_desc(err), "a\r\nb"));
    msg = voicecb_error_message(err);
    CHECK(msg != NULL && strpbrk(msg, "\r\n") == NULL);
    voicecb_error_free(err);
    CHECK(voicecb_error_session_id(NULL) == NULL);
}

static void test_html_502(void) {
    const struct expect e = {"HTML 502", VOICECB_ERR_BAD_RESPONSE, 0, false, 502, "502 Bad Gateway", 1500, 0, 0, BOTH};
    RUN_FIXED(&e, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 41\r\n"
                  "Connection: close\r\n\r\n<html><body>502 Bad Gateway</body></html>");
}

/* With retries on, a click2Call that timed out after its request was sent
 * is not sent again (it may have placed the call); a callStop is. */
static void test_click2call_sent_once_with_retries(void) {
    struct server s;
    CHECK(server_start(&s, counting));
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    voicecb_click2call *req = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    CHECK(voicecb_options_set_base_url(opts, url, NULL) == VOICECB_OK);
    /* Long enough that even under valgrind the request has left when the
     * try times out (a try that times out unsent may be retried). */
    CHECK(voicecb_options_set_timeout_ms(opts, 800, NULL) == VOICECB_OK);
    CHECK(voicecb_options_set_retry(opts, 4, 1, 2, NULL) == VOICECB_OK);
    CHECK(voicecb_client_new("fault-key", "fault-secret", opts, &client, NULL) == VOICECB_OK);
    voicecb_options_free(opts);
    CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
    char *sid = NULL;
    voicecb_error *err = NULL;
    CHECK(voicecb_click2call_send(client, req, 0, &sid, NULL, &err) == VOICECB_ERR_TIMEOUT);
    voicecb_error_free(err);
    CHECK(drain(&s));
    int sent = atomic_load(&s.requests);
    printf("  %-24s click2Call sent %d time(s) with 4 attempts allowed\n", "timeout, retries on", sent);
    if (sent != 1) fprintf(stderr, "click2Call was sent %d times after a timeout\n", sent);
    CHECK(sent == 1);

    /* The count does count retries: callStop is retried after a timeout. */
    atomic_store(&s.marker_seen, false);
    err = NULL;
    CHECK(voicecb_call_stop(client, SESSION_ID, 0, &err) == VOICECB_ERR_TIMEOUT);
    voicecb_error_free(err);
    CHECK(drain(&s));
    CHECK(atomic_load(&s.requests) == 1 + 4);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
    server_stop(&s);
}

/* Builds a client from `opts` (freed here); the expected refusal names `field`. */
static void expect_refused(voicecb_options *opts, const char *what, const char *field) {
    voicecb_client *client = NULL;
    voicecb_error *err = NULL;
    voicecb_result rc = voicecb_client_new("fault-key", "fault-secret", opts, &client, &err);
    printf("  %-34s %-12s %s\n", what, kind_name(rc), err ? voicecb_error_message(err) : "");
    CHECK(rc == VOICECB_ERR_INVALID_ARGUMENT && client == NULL);
    CHECK(streq(voicecb_error_field(err), field));
    CHECK(voicecb_error_request_not_sent(err));
    voicecb_error_free(err);
    voicecb_client_free(client);
    voicecb_options_free(opts);
}

static voicecb_options *with_url(const char *base_url, const char *proxy) {
    voicecb_options *opts = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    if (base_url) CHECK(voicecb_options_set_base_url(opts, base_url, NULL) == VOICECB_OK);
    if (proxy) CHECK(voicecb_options_set_proxy(opts, proxy, NULL) == VOICECB_OK);
    return opts;
}

/* Issue 12: no option sends a signed request where it was not pointed,
 * and every numeric option is safe at its extremes. */
static void test_options_at_the_extremes(void) {
    static const char *bad_ports[] = {"http://h:abc", "http://h:83626", "https://h:70000", "http://127.0.0.1:",
                                      "http://h:0"};
    for (size_t i = 0; i < sizeof bad_ports / sizeof bad_ports[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "base_url %s", bad_ports[i]);
        expect_refused(with_url(bad_ports[i], NULL), what, "base_url");
        snprintf(what, sizeof what, "proxy %s", bad_ports[i]);
        expect_refused(with_url(NULL, bad_ports[i]), what, "proxy");
    }
    expect_refused(with_url(NULL, "socks5://127.0.0.1:1080"), "proxy socks5://127.0.0.1:1080", "proxy");
    expect_refused(with_url("https://h/rest/httpsessions/click2Call/v2.0", NULL), "base_url with a path", "base_url");
    voicecb_options *opts = with_url("https://h:1/gw", "https://h:65535");
    CHECK(voicecb_options_set_allow_base_url_path(opts, true, NULL) == VOICECB_OK);
    voicecb_client *client = NULL;
    CHECK(voicecb_client_new("k", "s", opts, &client, NULL) == VOICECB_OK);
    voicecb_client_free(client);
    client = NULL;
    CHECK(voicecb_options_set_allow_base_url_path(NULL, true, NULL) == VOICECB_ERR_NULL_ARGUMENT);
    voicecb_options_free(opts);

    static const int64_t bad_offsets[] = {INT64_MIN, -86401, 86401, INT64_MAX};
    for (size_t i = 0; i < 4; i++) {
        opts = with_url(NULL, NULL);
        CHECK(voicecb_options_set_clock_offset_secs(opts, bad_offsets[i], NULL) == VOICECB_OK);
        char what[64];
        snprintf(what, sizeof what, "clock offset %lld", (long long)bad_offsets[i]);
        expect_refused(opts, what, "clock_offset_secs");
    }
    /* The retry setter checks its values at once. */
    static const struct {
        uint32_t attempts, initial_ms, max_ms;
        const char *field;
    } bad_retries[] = {
        {0, 0, 0, "retry.max_attempts"},
        {11, 0, 0, "retry.max_attempts"},
        {UINT32_MAX, 0, 0, "retry.max_attempts"},
        {3, 0, UINT32_MAX, "retry.max_backoff"},
        {3, UINT32_MAX, 1000, "retry.initial_backoff"},
    };
    for (size_t i = 0; i < sizeof bad_retries / sizeof bad_retries[0]; i++) {
        opts = with_url(NULL, NULL);
        voicecb_error *e = NULL;
        voicecb_result rc = voicecb_options_set_retry(opts, bad_retries[i].attempts, bad_retries[i].initial_ms,
                                                      bad_retries[i].max_ms, &e);
        printf("  retry %u/%u/%u %-14s %s\n", bad_retries[i].attempts, bad_retries[i].initial_ms,
               bad_retries[i].max_ms, kind_name(rc), e ? voicecb_error_message(e) : "");
        CHECK(rc == VOICECB_ERR_INVALID_ARGUMENT && streq(voicecb_error_field(e), bad_retries[i].field));
        voicecb_error_free(e);
        voicecb_options_free(opts);
    }
    opts = with_url(NULL, NULL);
    CHECK(voicecb_options_set_timeout_ms(opts, 0, NULL) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(voicecb_options_set_connect_timeout_ms(opts, 0, NULL) == VOICECB_ERR_INVALID_ARGUMENT);
    voicecb_options_free(opts);

    char key[258];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    voicecb_error *err = NULL;
    CHECK(voicecb_client_new(key, "s", NULL, &client, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(streq(voicecb_error_field(err), "app_key"));
    voicecb_error_free(err);
    err = NULL;
    CHECK(voicecb_client_new("k", key, NULL, &client, &err) == VOICECB_ERR_INVALID_ARGUMENT);
    CHECK(streq(voicecb_error_field(err), "app_secret"));
    CHECK(strstr(voicecb_error_message(err), key) == NULL);
    voicecb_error_free(err);
    err = NULL;
    key[256] = '\0';
    CHECK(voicecb_client_new(key, key, NULL, &client, NULL) == VOICECB_OK);
    voicecb_client_free(client);
    client = NULL;

    /* Allowed extremes make a call: clock offset +-1 day, the longest
     * timeouts, maxDuration 0 and 1440, a per-call timeout of UINT32_MAX. */
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 35\r\nConnection: close\r\n\r\n"
                             "{\"resultcode\":\"0\",\"sessionId\":\"ok\"}";
    static const int64_t offsets[] = {-86400, 86400};
    static const uint32_t durations[] = {0, 1440};
    for (size_t i = 0; i < 2; i++) {
        struct server s;
        if (!server_start(&s, fixed_answer)) {
            CHECK(0);
            continue;
        }
        s.answer = ok;
        s.answer_len = sizeof ok - 1;
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
        opts = with_url(url, NULL);
        CHECK(voicecb_options_set_clock_offset_secs(opts, offsets[i], NULL) == VOICECB_OK);
        CHECK(voicecb_options_set_timeout_ms(opts, UINT32_MAX, NULL) == VOICECB_OK);
        CHECK(voicecb_options_set_connect_timeout_ms(opts, UINT32_MAX, NULL) == VOICECB_OK);
        CHECK(voicecb_client_new("k", "s", opts, &client, NULL) == VOICECB_OK);
        voicecb_options_free(opts);
        voicecb_click2call *req = NULL;
        CHECK(voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, NULL) == VOICECB_OK);
        CHECK(voicecb_click2call_set_max_duration(req, durations[i], NULL) == VOICECB_OK);
        char *sid = NULL;
        voicecb_result rc = voicecb_click2call_send(client, req, UINT32_MAX, &sid, NULL, NULL);
        printf("  %-34s %-12s session=%s\n", offsets[i] < 0 ? "clock offset -86400" : "clock offset 86400",
               kind_name(rc), sid ? sid : "(none)");
        CHECK(rc == VOICECB_OK && streq(sid, "ok"));
        voicecb_string_free(sid);
        /* The setters refuse what the send would (the send checks again). */
        err = NULL;
        CHECK(voicecb_click2call_set_max_duration(req, 1441, &err) == VOICECB_ERR_INVALID_ARGUMENT);
        CHECK(streq(voicecb_error_field(err), "maxDuration"));
        voicecb_error_free(err);
        CHECK(voicecb_click2call_set_max_duration(req, UINT32_MAX, NULL) == VOICECB_ERR_INVALID_ARGUMENT);
        /* statusUrl: 97 bytes is 132 characters of Base64, over the API's 128. */
        err = NULL;
        CHECK(voicecb_click2call_set_status_url(
                  req, "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  &err) == VOICECB_ERR_INVALID_ARGUMENT);
        CHECK(streq(voicecb_error_field(err), "statusUrl"));
        CHECK(strstr(voicecb_error_message(err), "97 bytes, 132 in Base64") != NULL);
        voicecb_error_free(err);
        /* The request is as it was: it still places the call. */
        CHECK(voicecb_click2call_send(client, req, 0, &sid, NULL, NULL) == VOICECB_OK);
        voicecb_string_free(sid);
        voicecb_click2call_free(req);
        voicecb_client_free(client);
        client = NULL;
        server_stop(&s);
    }
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
    printf("c-faults: each call must end with the right kind and, for a timeout, the right limit\n");
    test_refused();
    test_unresolvable();
    test_timeouts();
    test_click2call_sent_once_with_retries();
    test_reset();
    test_not_http();
    test_bad_200s();
    test_html_502();
    test_session_never_lost();
    test_options_at_the_extremes();
    test_huge_body();
    printf("c-faults: %d passed, %d failed (%lld ms)\n", passed, failed, now_ms() - t0);
    return failed == 0 ? 0 : 1;
}
