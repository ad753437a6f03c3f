/*
 * Places a voice callback, prints its session id, stops it, then stops it
 * again to show how a refusal of the platform reads.
 *
 * The endpoint and credentials come from the environment, never from argv
 * (ps would show them): VOICECB_BASE_URL, VOICECB_APP_KEY, VOICECB_APP_SECRET.
 *
 *   cc click2call.c $(pkg-config --cflags --libs voicecb) -o click2call
 *   ./click2call DISPLAY_NBR CALLER_NBR CALLEE_NBR
 */
#include <stdio.h>
#include <stdlib.h>

#include "voicecb.h"

/* Prints everything an error says: its code, message and, for a refusal of
 * the platform, what the platform answered and the catalogue's entry. */
static void print_error(const char *what, voicecb_result rc, const voicecb_error *err) {
    fprintf(stderr, "%s failed: %s (%d)\n", what, voicecb_result_str(rc), (int)rc);
    if (err == NULL) {
        return;
    }
    fprintf(stderr, "  message: %s\n", voicecb_error_message(err));
    if (voicecb_error_field(err) != NULL) {
        fprintf(stderr, "  field: %s\n", voicecb_error_field(err));
    }
    if (voicecb_error_http_status(err) != 0) {
        fprintf(stderr, "  HTTP status: %u\n", (unsigned)voicecb_error_http_status(err));
    }
    if (voicecb_error_result_code(err) != NULL) {
        fprintf(stderr, "  resultcode: %s\n  resultdesc: %s\n", voicecb_error_result_code(err),
                voicecb_error_result_desc(err) ? voicecb_error_result_desc(err) : "");
    }
    const voicecb_code_info *info = voicecb_error_code_info(err);
    if (info != NULL) {
        fprintf(stderr, "  catalogue: %s / %s\n  advice: %s\n  category: %s, retry safe: %s\n",
                voicecb_code_info_en(info), voicecb_code_info_zh(info), voicecb_code_info_advice(info),
                voicecb_category_name(voicecb_code_info_category(info)),
                voicecb_code_info_retryable(info) ? "yes" : "no");
    }
}

int main(int argc, char **argv) {
    const char *display = argc > 1 ? argv[1] : "+8675512345678";
    const char *caller = argc > 2 ? argv[2] : "+8613800000001";
    const char *callee = argc > 3 ? argv[3] : "+8613800000002";
    const char *base_url = getenv("VOICECB_BASE_URL");
    const char *app_key = getenv("VOICECB_APP_KEY");
    const char *app_secret = getenv("VOICECB_APP_SECRET");
    if (app_key == NULL || app_secret == NULL) {
        fprintf(stderr, "set VOICECB_APP_KEY and VOICECB_APP_SECRET (and VOICECB_BASE_URL)\n");
        return 2;
    }

    int status = 1;
    voicecb_options *opts = NULL;
    voicecb_client *client = NULL;
    voicecb_click2call *req = NULL;
    voicecb_error *err = NULL;
    char *session_id = NULL;
    int32_t idle_ports = -1;
    voicecb_result rc;

    printf("%s\n", voicecb_version());
    if ((rc = voicecb_options_new(&opts)) != VOICECB_OK) {
        print_error("voicecb_options_new", rc, NULL);
        goto out;
    }
    if (base_url != NULL && (rc = voicecb_options_set_base_url(opts, base_url, &err)) != VOICECB_OK) {
        print_error("voicecb_options_set_base_url", rc, err);
        goto out;
    }
    if ((rc = voicecb_client_new(app_key, app_secret, opts, &client, &err)) != VOICECB_OK) {
        print_error("voicecb_client_new", rc, err);
        goto out;
    }
    if ((rc = voicecb_click2call_new(display, caller, callee, &req, &err)) != VOICECB_OK ||
        (rc = voicecb_click2call_set_max_duration(req, 30, &err)) != VOICECB_OK ||
        (rc = voicecb_click2call_set_return_idle_port(req, true, &err)) != VOICECB_OK) {
        print_error("building the request", rc, err);
        goto out;
    }
    if ((rc = voicecb_click2call_send(client, req, 0, &session_id, &idle_ports, &err)) != VOICECB_OK) {
        print_error("click2Call", rc, err);
        goto out;
    }
    printf("click2Call: session id %s (idle ports: %d)\n", session_id, (int)idle_ports);

    if ((rc = voicecb_call_stop(client, session_id, 0, &err)) != VOICECB_OK) {
        print_error("callStop", rc, err);
        goto out;
    }
    printf("callStop: stopped %s\n", session_id);

    /* A second stop is refused by the platform: the session has ended. */
    rc = voicecb_call_stop(client, session_id, 0, &err);
    if (rc == VOICECB_OK) {
        fprintf(stderr, "a second callStop unexpectedly succeeded\n");
        goto out;
    }
    printf("callStop again, refused as expected:\n");
    fflush(stdout);
    print_error("callStop", rc, err);
    status = 0;

out:
    voicecb_error_free(err);
    voicecb_string_free(session_id);
    voicecb_click2call_free(req);
    voicecb_client_free(client);
    voicecb_options_free(opts);
    return status;
}
