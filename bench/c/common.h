/* Shared helpers of the C benchmarks and the C load driver: clocks, CPU
 * time, resident memory, the sandbox's settings, JSON-ish output. */
#ifndef VOICECB_BENCH_COMMON_H
#define VOICECB_BENCH_COMMON_H

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "voicecb.h"

/* The call every round trip places: the callee ends in 0000486 ("busy" in
 * the sandbox), so each call ends by itself 0.1 s later and the sandbox's
 * table of active calls stays small over any number of calls. */
#define DISPLAY "+8675512345678"
#define CALLER "+8613800000001"
#define CALLEE "+8613800000486"

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process. */
static inline double self_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds of process `pid` from /proc (10 ms resolution); -1 if unknown. */
static inline double proc_cpu(long pid) {
    char path[64], buf[2048];
    if (pid <= 0) return -1;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p += 2; /* field 3 */
    unsigned long long utime = 0, stime = 0;
    for (int field = 3; field <= 15 && p; field++) {
        if (field == 14) utime = strtoull(p, NULL, 10);
        if (field == 15) stime = strtoull(p, NULL, 10);
        p = strchr(p, ' ');
        if (p) p++;
    }
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Resident memory of this process in KiB (VmRSS). */
static inline long rss_kib(void) {
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v in place); 0 for none. */
static inline double median(double *v, size_t n) {
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline const char *env_or(const char *name, const char *dflt) {
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static inline long sandbox_pid(void) { return atol(env_or("VOICECB_BENCH_SANDBOX_PID", "0")); }

/* A client for the sandbox named by the environment; exits on failure. */
static inline voicecb_client *sandbox_client(void) {
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    voicecb_error *err = NULL;
    voicecb_options_new(&opts);
    if (voicecb_options_set_base_url(opts, env_or("VOICECB_BASE_URL", "http://127.0.0.1:8080"), &err) != VOICECB_OK ||
        voicecb_client_new(env_or("VOICECB_APP_KEY", "sandbox-app-key"),
                           env_or("VOICECB_APP_SECRET", "sandbox-app-secret"), opts, &client, &err) != VOICECB_OK) {
        fprintf(stderr, "client: %s\n", voicecb_error_message(err));
        exit(2);
    }
    voicecb_options_free(opts);
    return client;
}

static inline voicecb_click2call *bench_request(void) {
    voicecb_click2call *req = NULL;
    voicecb_error *err = NULL;
    if (voicecb_click2call_new(DISPLAY, CALLER, CALLEE, &req, &err) != VOICECB_OK) {
        fprintf(stderr, "request: %s\n", voicecb_error_message(err));
        exit(2);
    }
    return req;
}

/* One click2Call; returns 0 on success, prints the first few failures. */
static inline int place_call(const voicecb_client *client, const voicecb_click2call *req) {
    static int reported;
    char *sid = NULL;
    voicecb_error *err = NULL;
    voicecb_result rc = voicecb_click2call_send(client, req, 0, &sid, NULL, &err);
    if (rc != VOICECB_OK) {
        if (__atomic_fetch_add(&reported, 1, __ATOMIC_RELAXED) < 3)
            fprintf(stderr, "click2call: %s\n", voicecb_error_message(err));
        voicecb_error_free(err);
        return 1;
    }
    voicecb_string_free(sid);
    return 0;
}

#endif
