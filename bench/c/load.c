/*
 * Load driver of issue 7, through the C ABI: THREADS threads share one
 * client and one request and place CALLS calls each against the sandbox
 * named by VOICECB_BASE_URL (tests/with-sandbox.sh sets it). Resident
 * memory is read when a tenth of all calls is done and at the end.
 *
 *   load [THREADS [CALLS [MAX_GROWTH_KIB]]]    defaults 8 10000 1024
 *
 * MAX_GROWTH_KIB < 0 skips the memory check (under valgrind, whose own
 * memory use is what RSS would show). Exit status 0 when no call failed
 * and the memory grew by at most MAX_GROWTH_KIB; 1 otherwise. The last
 * line of output is a JSON summary for bench/run.py.
 *
 * A reduced run fits the test command:
 *   tests/with-sandbox.sh valgrind --error-exitcode=1 --leak-check=full ... build/bench/load 8 250 -1
 */
#include "common.h"

#include <pthread.h>

static const voicecb_client *client;
static const voicecb_click2call *req;
static long per_thread, checkpoint, done, errors, rss_checkpoint;

static void *run(void *arg) {
    (void)arg;
    for (long i = 0; i < per_thread; i++) {
        if (place_call(client, req)) __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
        if (__atomic_add_fetch(&done, 1, __ATOMIC_RELAXED) == checkpoint)
            __atomic_store_n(&rss_checkpoint, rss_kib(), __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 8;
    per_thread = argc > 2 ? atol(argv[2]) : 10000;
    long max_growth = argc > 3 ? atol(argv[3]) : 1024;
    if (threads < 1 || threads > 1024 || per_thread < 1) {
        fprintf(stderr, "usage: load [THREADS [CALLS_PER_THREAD [MAX_GROWTH_KIB]]]\n");
        return 2;
    }
    long total = threads * per_thread;
    checkpoint = total / 10 > 0 ? total / 10 : 1;
    voicecb_client *c = sandbox_client();
    voicecb_click2call *r = bench_request();
    client = c;
    req = r;
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    double t = now_s();
    for (int i = 0; i < threads; i++)
        if (pthread_create(&tids[i], NULL, run, NULL) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
    double wall = now_s() - t;
    long rss_end = rss_kib(), growth = rss_end - rss_checkpoint;
    printf("load c: %d threads x %ld calls = %ld calls, %ld errors, %.0f calls/s; RSS %ld KiB after %ld calls, "
           "%ld KiB after %ld (%+ld KiB)\n",
           threads, per_thread, done, errors, (double)total / wall, rss_checkpoint, checkpoint, rss_end, total, growth);
    printf("{\"bench\":\"load\",\"variant\":\"c\",\"threads\":%d,\"calls\":%ld,\"errors\":%ld,\"wall_s\":%.3f,"
           "\"checkpoint\":%ld,\"rss_checkpoint_kib\":%ld,\"rss_end_kib\":%ld,\"growth_kib\":%ld}\n",
           threads, done, errors, wall, checkpoint, rss_checkpoint, rss_end, growth);
    free(tids);
    voicecb_click2call_free(r);
    voicecb_client_free(c);
    if (errors != 0) return 1;
    if (max_growth >= 0 && growth > max_growth) {
        fprintf(stderr, "load c: memory grew by %ld KiB, more than %ld\n", growth, max_growth);
        return 1;
    }
    return 0;
}
