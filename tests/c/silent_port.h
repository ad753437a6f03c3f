/*
 * A port of 127.0.0.1 where nothing ever answers, for the C tests' timeout
 * cases. Header-only, like check.h: each test program is one translation unit.
 */
#ifndef VOICECB_TEST_SILENT_PORT_H
#define VOICECB_TEST_SILENT_PORT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A socket that listens and never accepts: the kernel completes the
 * connection, takes the request, and nothing answers. Returns the port and
 * sets *fd_out (close it to make the port refuse), or -1. */
static inline int silent_port(int *fd_out) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *fd_out = fd;
    return ntohs(addr.sin_port);
}

#endif
