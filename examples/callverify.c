/*
 * Places a voice verification code call: the callee hears pretone.wav,
 * the code spoken twice, then postone.wav. Prints the session id, or
 * everything a refusal says.
 *
 * The endpoint and credentials come from the environment, never from argv
 * (ps would show them): VOICECB_BASE_URL, VOICECB_APP_KEY, VOICECB_APP_SECRET.
 *
 *   cc callverify.c $(pkg-config --cflags --libs voicecb) -o callverify
 *   ./callverify [DISPLAY_NBR CALLEE_NBR CODE]
 */
#include <stdio.h>

#include "voicecb.h"
#include "print_error.h"

int main(int argc, char **argv) {
    const char *display = argc > 1 ? argv[1] : "+8675512345678";
    const char *callee = argc > 2 ? argv[2] : "+8613800000002";
    const char *code = argc > 3 ? argv[3] : "2468";
    int status = 1;
    voicecb_client *client = NULL;
    voicecb_callverify *req = NULL;
    voicecb_error *err = NULL;
    char *session_id = NULL;
    voicecb_result rc;

    /* The client takes its settings from the same variables (an error names the variable). */
    if ((rc = voicecb_client_new_from_env(NULL, &client, &err)) != VOICECB_OK) {
        print_error("making the client failed", rc, err);
        goto out;
    }
    /* languageType starts at 2 (Chinese), the only value the API documents;
     * the code (2-8 digits) is checked when the request is sent. */
    if ((rc = voicecb_callverify_new(display, callee, code, "pretone.wav", &req, &err)) != VOICECB_OK ||
        (rc = voicecb_callverify_set_pos_tone(req, "postone.wav", &err)) != VOICECB_OK ||
        (rc = voicecb_callverify_set_times(req, 2, &err)) != VOICECB_OK) {
        print_error("building the verification call failed", rc, err);
        goto out;
    }
    if ((rc = voicecb_callverify_send(client, req, 0, &session_id, NULL, &err)) != VOICECB_OK) {
        print_error("callVerify failed", rc, err);
        goto out;
    }
    printf("callVerify: session id %s\n", session_id);
    status = 0;

out:
    voicecb_error_free(err);
    voicecb_string_free(session_id);
    voicecb_callverify_free(req);
    voicecb_client_free(client);
    return status;
}
