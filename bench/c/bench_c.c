/*
 * The C side of the benchmarks, linked to the shipped libvoicecb.so. Each
 * mode prints one JSON object per measurement; bench/run.py drives it.
 *
 *   bench_c sign ITERS REPS             voicecb_sign, given and fresh nonce/created
 *   bench_c roundtrip CALLS WARMUP T    click2Call on one client, T threads
 *   bench_c start ITERS                 voicecb_client_new: first and later
 *   bench_c clients                     RSS: no client, 1, 100 (idle, then each after one call)
 *   bench_c growth CALLS                RSS of one client over CALLS calls (first, 1,000th, last)
 */
#include "common.h"

#include <pthread.h>

/* voicecb_sign for the message of the Rust benchmark (bench/rust/src/sign.rs),
 * given and fresh, in interleaved chunks of 1,000; the median chunk of each. */
static void sign_bench(long iters, int reps) {
    const char *key = "sandbox-app-key", *secret = "sandbox-app-secret";
    const char *nonce = "Xq3vB7kP9mN2wR5tY8zC1dF4gH6jL0aS", *created = "2026-11-28T09:00:00Z";
    enum { CHUNK = 1000 };
    size_t chunks = (size_t)(iters / CHUNK > 0 ? iters / CHUNK : 1);
    double *t[2] = {calloc(chunks, sizeof(double)), calloc(chunks, sizeof(double))};
    for (int rep = -1; rep < reps; rep++) { /* rep -1 warms up */
        for (size_t c = 0; c < chunks; c++) {
            for (int fresh = 0; fresh < 2; fresh++) {
                double t0 = now_s();
                for (long i = 0; i < CHUNK; i++) {
                    char *auth = NULL, *x = NULL;
                    if (voicecb_sign(key, secret, fresh ? NULL : nonce, fresh ? NULL : created, &auth, &x, NULL) !=
                        VOICECB_OK) {
                        fprintf(stderr, "voicecb_sign failed\n");
                        exit(1);
                    }
                    voicecb_string_free(auth);
                    voicecb_string_free(x);
                }
                t[fresh][c] = (now_s() - t0) * 1e9 / CHUNK;
            }
        }
        if (rep < 0) continue;
        for (int fresh = 0; fresh < 2; fresh++)
            printf("{\"bench\":\"sign\",\"variant\":\"%s\",\"rep\":%d,\"iters\":%ld,\"ns_per_op\":%.3f}\n",
                   fresh ? "c_voicecb_sign_fresh" : "c_voicecb_sign", rep, (long)(chunks * CHUNK),
                   median(t[fresh], chunks));
    }
    free(t[0]);
    free(t[1]);
}

enum { CHUNK = 50 };

struct worker {
    const voicecb_client *client;
    const voicecb_click2call *req;
    long warmup, calls;
    pthread_barrier_t *barrier;
    long errors;
    double end;
    double *chunks; /* seconds per call of each chunk of CHUNK calls */
    size_t n_chunks;
};

static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (long i = 0; i < w->warmup; i++) w->errors += place_call(w->client, w->req);
    pthread_barrier_wait(w->barrier);
    for (long done = 0; done < w->calls;) {
        long n = w->calls - done < CHUNK ? w->calls - done : CHUNK;
        double t = now_s();
        for (long i = 0; i < n; i++) w->errors += place_call(w->client, w->req);
        w->chunks[w->n_chunks++] = (now_s() - t) / (double)n;
        done += n;
    }
    w->end = now_s();
    return NULL;
}

/* One client and one request shared by T threads (the request is built
 * once: the ABI allows sending one request any number of times). */
static void roundtrip(long calls, long warmup, int threads) {
    voicecb_client *client = sandbox_client();
    voicecb_click2call *req = bench_request();
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
    struct worker ws[64];
    pthread_t tids[64];
    if (threads < 1 || threads > 64) exit(2);
    for (int i = 0; i < threads; i++) {
        ws[i] = (struct worker){client, req, warmup / threads, calls / threads, &barrier, 0, 0,
                                calloc((size_t)(calls / threads / CHUNK + 2), sizeof(double)), 0};
        pthread_create(&tids[i], NULL, worker_main, &ws[i]);
    }
    pthread_barrier_wait(&barrier);
    double start = now_s(), cpu0 = self_cpu(), srv0 = proc_cpu(sandbox_pid());
    long errors = 0;
    double end = start;
    double *chunks = calloc((size_t)(calls / CHUNK + 2 * threads), sizeof(double));
    size_t n_chunks = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        errors += ws[i].errors;
        if (ws[i].end > end) end = ws[i].end;
        for (size_t c = 0; c < ws[i].n_chunks; c++) chunks[n_chunks++] = ws[i].chunks[c];
        free(ws[i].chunks);
    }
    double med = median(chunks, n_chunks);
    free(chunks);
    double cpu = self_cpu() - cpu0, srv1 = proc_cpu(sandbox_pid());
    double wall = end - start;
    printf("{\"bench\":\"roundtrip\",\"variant\":\"c\",\"lang\":\"c\",\"threads\":%d,\"calls\":%ld,\"errors\":%ld,"
           "\"wall_s\":%.6f,\"us_per_call\":%.3f,\"us_per_call_mean\":%.3f,\"calls_per_s\":%.1f,"
           "\"client_cpu_us_per_call\":%.3f,\"server_cpu_us_per_call\":",
           threads, calls, errors, wall, med * 1e6, wall * 1e6 / (double)calls, (double)calls / wall,
           cpu * 1e6 / (double)calls);
    if (srv0 >= 0 && srv1 >= 0)
        printf("%.3f}\n", (srv1 - srv0) * 1e6 / (double)calls);
    else
        printf("null}\n");
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

static void start_bench(long iters) {
    voicecb_client *c = NULL;
    double t = now_s();
    if (voicecb_client_new("sandbox-app-key", "sandbox-app-secret", NULL, &c, NULL) != VOICECB_OK) exit(1);
    double cold = now_s() - t;
    voicecb_client_free(c);
    t = now_s();
    for (long i = 0; i < iters; i++) {
        voicecb_client_new("sandbox-app-key", "sandbox-app-secret", NULL, &c, NULL);
        voicecb_client_free(c);
    }
    double warm = (now_s() - t) / (double)iters;
    printf("{\"bench\":\"start\",\"variant\":\"c\",\"lang\":\"c\",\"cold_us\":%.3f,\"warm_us\":%.3f}\n", cold * 1e6,
           warm * 1e6);
}

/* RSS with no client, with one, with 100 idle, and with 100 that each
 * placed one call (each then holds a kept-alive connection). */
static void clients(void) {
    enum { N = 100 };
    voicecb_client *cs[N];
    voicecb_click2call *req = bench_request();
    long base = rss_kib();
    cs[0] = sandbox_client();
    long one = rss_kib();
    place_call(cs[0], req);
    long one_called = rss_kib();
    for (int i = 1; i < N; i++) cs[i] = sandbox_client();
    long hundred = rss_kib();
    long errors = 0;
    for (int i = 0; i < N; i++) errors += place_call(cs[i], req);
    long hundred_called = rss_kib();
    for (int i = 0; i < N; i++) voicecb_client_free(cs[i]);
    voicecb_click2call_free(req);
    printf("{\"bench\":\"memory\",\"variant\":\"clients\",\"lang\":\"c\",\"rss_base_kib\":%ld,\"rss_1_kib\":%ld,"
           "\"rss_1_called_kib\":%ld,\"rss_100_kib\":%ld,\"rss_100_called_kib\":%ld,\"errors\":%ld}\n",
           base, one, one_called, hundred, hundred_called, errors);
}

/* RSS of a process with one client over CALLS calls in all: after the first
 * (its connection open), after the 1,000th (allocator and caches warm), at
 * the end, and the highest seen (every 1,000 calls and at the end; a leak
 * grows linearly, noise does not). Growth is the highest RSS minus the RSS
 * after the first call (or after the 1,000th): the sandbox closes a
 * connection after its 100,000th request, which frees the connection's
 * buffers right at the end of a 100,000-call run, so the last RSS alone
 * would hide a leak of that size. */
static void growth(long calls) {
    voicecb_client *client = sandbox_client();
    voicecb_click2call *req = bench_request();
    long errors = place_call(client, req);
    long first = rss_kib(), at1000 = first, peak = first;
    double t = now_s();
    for (long i = 2; i <= calls; i++) {
        errors += place_call(client, req);
        if (i % 1000 == 0) {
            long r = rss_kib();
            if (i == 1000) at1000 = r;
            if (r > peak) peak = r;
        }
    }
    double wall = now_s() - t;
    long end = rss_kib();
    if (end > peak) peak = end;
    printf("{\"bench\":\"memory\",\"variant\":\"growth\",\"lang\":\"c\",\"calls\":%ld,\"errors\":%ld,"
           "\"rss_first_kib\":%ld,\"rss_1000_kib\":%ld,\"rss_end_kib\":%ld,\"rss_peak_kib\":%ld,\"growth_kib\":%ld,"
           "\"growth_after_1000_kib\":%ld,\"wall_s\":%.3f}\n",
           calls, errors, first, at1000, end, peak, peak - first, peak - at1000, wall);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (voicecb_abi_version() != VOICECB_ABI_VERSION) {
        fprintf(stderr, "ABI mismatch\n");
        return 2;
    }
    const char *mode = argc > 1 ? argv[1] : "";
    long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0, c = argc > 4 ? atol(argv[4]) : 0;
    if (strcmp(mode, "sign") == 0)
        sign_bench(a ? a : 200000, b ? (int)b : 5);
    else if (strcmp(mode, "roundtrip") == 0)
        roundtrip(a ? a : 5000, b, c ? (int)c : 1);
    else if (strcmp(mode, "start") == 0)
        start_bench(a ? a : 200);
    else if (strcmp(mode, "clients") == 0)
        clients();
    else if (strcmp(mode, "growth") == 0)
        growth(a ? a : 100000);
    else {
        fprintf(stderr, "usage: bench_c sign|roundtrip|start|clients|growth [args]\n");
        return 2;
    }
    return 0;
}
