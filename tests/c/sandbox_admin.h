/*
 * A client of the sandbox, and forcing the sandbox's next answers from a C
 * test: a POST to one of its admin paths on 127.0.0.1 (the sandbox of VOICECB_BASE_URL, which
 * tests/with-sandbox.sh sets). Header-only, like check.h: each test
 * program is one translation unit.
 */
#ifndef VOICECB_TEST_SANDBOX_ADMIN_H
#define VOICECB_TEST_SANDBOX_ADMIN_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A client of the sandbox of VOICECB_BASE_URL for VOICECB_APP_KEY with
 * `secret`, a 10 s request timeout; NULL when it cannot be made. Needs
 * voicecb.h. */
static inline voicecb_client *sandbox_client(const char *secret) {
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    if (voicecb_options_new(&opts) != VOICECB_OK) return NULL;
    if (voicecb_options_set_base_url(opts, getenv("VOICECB_BASE_URL"), NULL) != VOICECB_OK ||
        voicecb_options_set_timeout_ms(opts, 10000, NULL) != VOICECB_OK ||
        voicecb_client_new(getenv("VOICECB_APP_KEY"), secret, opts, &client, NULL) != VOICECB_OK) {
        client = NULL;
    }
    voicecb_options_free(opts);
    return client;
}

/* POSTs `json` to the sandbox's admin path `path` (the sandbox of
 * VOICECB_BASE_URL, http://127.0.0.1:PORT); true when it answered 200.
 * Each read and write is bounded by a 5 s socket timeout. */
static inline bool sandbox_admin_post(const char *path, const char *json) {
    const char *base = getenv("VOICECB_BASE_URL");
    const char *colon = base ? strrchr(base, ':') : NULL;
    int port = colon ? atoi(colon + 1) : 0;
    if (port <= 0 || port > 65535) return false;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    char buf[4096];
    int n = snprintf(buf, sizeof buf,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     path, strlen(json), json);
    bool ok = n > 0 && (size_t)n < sizeof buf && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
              send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n;
    size_t len = 0;
    /* The status line is all this needs: read until it has come. */
    while (ok && len < 12) {
        ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(fd);
    return ok && len >= 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
}

#endif
