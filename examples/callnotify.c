/*
 * Places a voice notification with the vendor's two sample items: an
 * uploaded announcement (notifyvoice.wav) that collects 4 digits, and the
 * TTS template test_template with its two values. Prints the session id,
 * or everything a refusal says.
 *
 * The endpoint and credentials come from the environment, never from argv
 * (ps would show them): VOICECB_BASE_URL, VOICECB_APP_KEY, VOICECB_APP_SECRET.
 *
 *   cc callnotify.c $(pkg-config --cflags --libs voicecb) -o callnotify
 *   ./callnotify [DISPLAY_NBR CALLEE_NBR]
 */
#include <stdio.h>

#include "voicecb.h"
#include "print_error.h"

int main(int argc, char **argv) {
    const char *display = argc > 1 ? argv[1] : "+8675512345678";
    const char *callee = argc > 2 ? argv[2] : "+8613800000002";
    int status = 1;
    voicecb_client *client = NULL;
    voicecb_callnotify *req = NULL;
    voicecb_error *err = NULL;
    char *session_id = NULL;
    voicecb_result rc;

    /* The client takes its settings from the same variables (an error names the variable). */
    if ((rc = voicecb_client_new_from_env(NULL, &client, &err)) != VOICECB_OK) {
        print_error("making the client failed", rc, err);
        goto out;
    }
    /* Items are numbered from 0 in the order they are added; each setter
     * checks its value and names the item's field when it is wrong. */
    if ((rc = voicecb_callnotify_new(display, callee, &req, &err)) != VOICECB_OK ||
        (rc = voicecb_callnotify_add_play_voice(req, "notifyvoice.wav", &err)) != VOICECB_OK ||
        (rc = voicecb_callnotify_item_set_collect_ind(req, 0, 4, &err)) != VOICECB_OK ||
        (rc = voicecb_callnotify_add_play_template(req, "test_template", &err)) != VOICECB_OK ||
        (rc = voicecb_callnotify_add_template_para(req, 1, "3", &err)) != VOICECB_OK ||
        (rc = voicecb_callnotify_add_template_para(req, 1, "人民公园正门", &err)) != VOICECB_OK ||
        (rc = voicecb_callnotify_set_user_data(req, "order-42", &err)) != VOICECB_OK) {
        print_error("building the notification failed", rc, err);
        goto out;
    }
    /* Never re-sent by the library once it may have reached the platform. */
    if ((rc = voicecb_callnotify_send(client, req, 0, &session_id, NULL, &err)) != VOICECB_OK) {
        print_error("callnotify failed", rc, err);
        goto out;
    }
    printf("callnotify: session id %s\n", session_id);
    status = 0;

out:
    voicecb_error_free(err);
    voicecb_string_free(session_id);
    voicecb_callnotify_free(req);
    voicecb_client_free(client);
    return status;
}
