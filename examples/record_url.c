/*
 * Prints the download URL of a recording. Either give the recording's
 * fields from a bill (recordObjectName and recordDomain), or pipe a bill
 * push (its JSON body, as the fee URL received it) on stdin: then the URL
 * of each record's recording is printed, from recordObjectName and
 * recordDomain, or recordFileDownloadUrl when those are empty. The
 * library never follows the platform's redirect: the URL is printed, to
 * be fetched soon (it is valid for 7 days, 30 minutes per an older page).
 *
 * The endpoint and credentials come from the environment, never from argv
 * (ps would show them): VOICECB_BASE_URL, VOICECB_APP_KEY, VOICECB_APP_SECRET.
 *
 *   cc record_url.c $(pkg-config --cflags --libs voicecb) -o record_url
 *   ./record_url RECORD_OBJECT_NAME RECORD_DOMAIN
 *   ./record_url < bill.json
 */
#include <stdint.h>
#include <stdio.h>

#include "voicecb.h"
#include "print_error.h"

enum { MAX_BILL = 1 << 20 };

/* Prints the URL of each record of the bill read from stdin; 0 when every
 * record had one. */
static int urls_of_bill(voicecb_client *client) {
    static uint8_t body[MAX_BILL];
    size_t len = fread(body, 1, sizeof body, stdin);
    voicecb_notification *n = NULL;
    voicecb_error *err = NULL;
    voicecb_result rc = voicecb_notification_parse(body, len, &n, &err);
    if (rc != VOICECB_OK) {
        print_error("reading the bill failed", rc, err);
        voicecb_error_free(err);
        return 1;
    }
    int status = voicecb_notification_record_count(n) > 0 ? 0 : 1;
    for (size_t i = 0; i < voicecb_notification_record_count(n); i++) {
        char *url = NULL;
        rc = voicecb_notification_record_url(client, n, i, 0, &url, &err);
        if (rc == VOICECB_OK) {
            printf("%s %s\n", voicecb_notification_record_get(n, i, "sessionId"), url);
        } else {
            print_error("no recording URL for this record", rc, err);
            voicecb_error_free(err);
            err = NULL;
            status = 1;
        }
        voicecb_string_free(url);
    }
    voicecb_notification_free(n);
    return status;
}

int main(int argc, char **argv) {
    if (argc == 2 || argc > 3) {
        fprintf(stderr,
                "usage: %s RECORD_OBJECT_NAME RECORD_DOMAIN, or %s < bill.json,\n"
                "with VOICECB_APP_KEY and VOICECB_APP_SECRET (and VOICECB_BASE_URL) set\n",
                argv[0], argv[0]);
        return 2;
    }
    int status = 1;
    voicecb_client *client = NULL;
    voicecb_error *err = NULL;
    char *url = NULL;
    voicecb_result rc;

    /* The client takes its settings from the same variables (an error names the variable). */
    if ((rc = voicecb_client_new_from_env(NULL, &client, &err)) != VOICECB_OK) {
        print_error("making the client failed", rc, err);
        goto out;
    }
    if (argc == 1) {
        status = urls_of_bill(client);
        goto out;
    }
    if ((rc = voicecb_record_url(client, argv[1], argv[2], 0, &url, &err)) != VOICECB_OK) {
        print_error("the recording URL request failed", rc, err);
        goto out;
    }
    printf("%s\n", url);
    status = 0;

out:
    voicecb_error_free(err);
    voicecb_string_free(url);
    voicecb_client_free(client);
    return status;
}
