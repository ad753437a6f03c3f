/*
 * What a C user would write instead of libvoicecb: a click2Call signed by
 * hand with OpenSSL's HMAC (a fresh nonce from RAND_bytes, Created in UTC),
 * sent through libcurl with one easy handle reused (keep-alive), the answer
 * parsed with cJSON and its resultcode checked, as the library does. The
 * C ABI runs beside it in the same process for the paired rounds.
 *
 *   peer_curl paired ROUNDS WARMUP    the C ABI and libcurl, 50 calls each per turn, alternating
 *   peer_curl curl CALLS              libcurl alone (for strace and valgrind)
 *
 * Needs libcurl4-openssl-dev, libssl-dev and libcjson-dev (bench/deps.sh).
 * A failed call ends the program with status 1: a peer that errs is not
 * measured.
 */
#include "common.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

struct buf {
    char *p;
    size_t len, cap;
};

static size_t on_data(char *data, size_t size, size_t n, void *userp) {
    struct buf *b = userp;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = (b->len + add + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = 0;
    return add;
}

struct peer {
    CURL *curl;
    char url[512];
    const char *key, *secret;
    struct buf answer;
};

static void peer_init(struct peer *p) {
    p->curl = curl_easy_init();
    if (!p->curl) {
        fprintf(stderr, "curl_easy_init failed\n");
        exit(2);
    }
    snprintf(p->url, sizeof p->url, "%s/rest/httpsessions/click2Call/v2.0",
             env_or("VOICECB_BASE_URL", "http://127.0.0.1:8080"));
    p->key = env_or("VOICECB_APP_KEY", "sandbox-app-key");
    p->secret = env_or("VOICECB_APP_SECRET", "sandbox-app-secret");
    p->answer = (struct buf){0};
    curl_easy_setopt(p->curl, CURLOPT_URL, p->url);
    curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, &p->answer);
    curl_easy_setopt(p->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
}

/* One click2Call; exits unless the answer is a 200 with resultcode "0". */
static void peer_call(struct peer *p) {
    unsigned char raw[16], mac[EVP_MAX_MD_SIZE];
    char nonce[33], created[32], msg[80], digest[64], aksk[512], body[256];
    unsigned mac_len = 0;
    if (RAND_bytes(raw, sizeof raw) != 1) {
        fprintf(stderr, "curl peer: RAND_bytes failed\n");
        exit(1);
    }
    for (size_t i = 0; i < sizeof raw; i++) snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int msg_len = snprintf(msg, sizeof msg, "%s%s", nonce, created);
    if (!HMAC(EVP_sha256(), p->secret, (int)strlen(p->secret), (unsigned char *)msg, (size_t)msg_len, mac, &mac_len)) {
        fprintf(stderr, "curl peer: HMAC failed\n");
        exit(1);
    }
    EVP_EncodeBlock((unsigned char *)digest, mac, (int)mac_len);
    snprintf(aksk, sizeof aksk, "X-AKSK: UsernameToken Username=\"%s\",PasswordDigest=\"%s\",Nonce=\"%s\",Created=\"%s\"",
             p->key, digest, nonce, created);
    snprintf(body, sizeof body,
             "{\"displayNbr\":\"%s\",\"callerNbr\":\"%s\",\"displayCalleeNbr\":\"%s\",\"calleeNbr\":\"%s\"}", DISPLAY,
             CALLER, DISPLAY, CALLEE);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json;charset=UTF-8");
    h = curl_slist_append(h, "Authorization: AKSK realm=\"SDP\",profile=\"UsernameToken\",type=\"Appkey\"");
    h = curl_slist_append(h, aksk);
    curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
    p->answer.len = 0;
    CURLcode rc = curl_easy_perform(p->curl);
    curl_slist_free_all(h);
    long status = 0;
    curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        fprintf(stderr, "curl peer: %s\n", curl_easy_strerror(rc));
        exit(1);
    }
    cJSON *answer = cJSON_ParseWithLength(p->answer.p ? p->answer.p : "", p->answer.len);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(answer, "resultcode");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(answer, "sessionId");
    if (status != 200 || !cJSON_IsString(code) || strcmp(code->valuestring, "0") != 0 || !cJSON_IsString(sid)) {
        fprintf(stderr, "curl peer: refused: HTTP %ld, resultcode %s\n", status,
                cJSON_IsString(code) ? code->valuestring : "(none)");
        exit(1);
    }
    cJSON_Delete(answer);
}

static void peer_free(struct peer *p) {
    curl_easy_cleanup(p->curl);
    free(p->answer.p);
}

static void abi_calls(const voicecb_client *c, const voicecb_click2call *req, long n) {
    for (long i = 0; i < n; i++)
        if (place_call(c, req) != 0) exit(1);
}

static void peer_calls(struct peer *p, long n) {
    for (long i = 0; i < n; i++) peer_call(p);
}

static void emit(const char *name, long calls, const double *us, long rounds, double cpu, double server) {
    double *sorted = malloc((size_t)rounds * sizeof *sorted);
    memcpy(sorted, us, (size_t)rounds * sizeof *sorted);
    double med = median(sorted, (size_t)rounds);
    free(sorted);
    printf("{\"bench\":\"paired\",\"variant\":\"%s\",\"lang\":\"c\",\"calls\":%ld,\"errors\":0,\"us_per_call\":%.3f,"
           "\"client_cpu_us_per_call\":%.3f,\"server_cpu_us_per_call\":",
           name, calls, med, cpu * 1e6 / (double)calls);
    if (server >= 0)
        printf("%.3f", server * 1e6 / (double)calls);
    else
        printf("null");
    printf(",\"rounds_us\":[");
    for (long r = 0; r < rounds; r++) printf("%s%.3f", r ? "," : "", us[r]);
    printf("]}\n");
}

/* The C ABI and libcurl take turns in chunks of 50 calls, the order
 * turning every round. */
static void paired(long rounds, long warmup) {
    enum { CHUNK = 50 };
    voicecb_client *client = sandbox_client();
    voicecb_click2call *req = bench_request();
    struct peer p;
    peer_init(&p);
    abi_calls(client, req, warmup);
    peer_calls(&p, warmup);
    double *us[2] = {calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double))};
    double cpu[2] = {0, 0}, server[2] = {0, 0};
    long pid = sandbox_pid();
    for (long r = 0; r < rounds; r++) {
        for (int k = 0; k < 2; k++) {
            int side = (int)((k + r) % 2);
            double c0 = self_cpu(), s0 = proc_cpu(pid), t = now_s();
            if (side == 0)
                abi_calls(client, req, CHUNK);
            else
                peer_calls(&p, CHUNK);
            us[side][r] = (now_s() - t) * 1e6 / CHUNK;
            cpu[side] += self_cpu() - c0;
            double s1 = proc_cpu(pid);
            server[side] = s0 < 0 || s1 < 0 || server[side] < 0 ? -1 : server[side] + s1 - s0;
        }
    }
    emit("c-lib", rounds * CHUNK, us[0], rounds, cpu[0], server[0]);
    emit("curl", rounds * CHUNK, us[1], rounds, cpu[1], server[1]);
    free(us[0]);
    free(us[1]);
    peer_free(&p);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 2;
    const char *mode = argc > 1 ? argv[1] : "";
    long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
    if (strcmp(mode, "paired") == 0) {
        paired(a > 0 ? a : 40, b);
    } else if (strcmp(mode, "curl") == 0) {
        struct peer p;
        peer_init(&p);
        peer_calls(&p, a > 0 ? a : 1000);
        peer_free(&p);
        printf("{\"bench\":\"roundtrip\",\"variant\":\"curl\",\"lang\":\"c\",\"calls\":%ld,\"errors\":0}\n", a > 0 ? a : 1000);
    } else {
        fprintf(stderr, "usage: peer_curl paired ROUNDS WARMUP | curl CALLS\n");
        return 2;
    }
    curl_global_cleanup();
    return 0;
}
