/*
 * Handles that are not live handles of their type: a pointer to another
 * type's handle is refused with VOICECB_ERR_INVALID_HANDLE (getters give
 * their "none", free functions ignore it with a note on stderr), and, in
 * the build with -DVOICECB_TEST_USE_AFTER_FREE (no valgrind, no ASan: a
 * use after free is what they report), a freed handle and a double free
 * are caught too. Needs no sandbox and no network.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "voicecb.h"
#include "check.h"

static bool says_not_live(voicecb_error *err, const char *arg, const char *type) {
    const char *msg = voicecb_error_message(err);
    return voicecb_error_code(err) == VOICECB_ERR_INVALID_HANDLE && streq(voicecb_error_field(err), arg) &&
           msg != NULL && strstr(msg, type) != NULL;
}

static void test_foreign_pointers(void) {
    voicecb_options *opts = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    voicecb_click2call *req = NULL;
    CHECK(voicecb_click2call_new("+8675512345678", "+8613800000001", "+8613800000002", &req, NULL) == VOICECB_OK);

    /* An options handle where a client is expected, a request for options. */
    voicecb_error *err = NULL;
    CHECK(voicecb_call_stop((const voicecb_client *)opts, "1_2_0_3@x", 0, &err) == VOICECB_ERR_INVALID_HANDLE);
    CHECK(says_not_live(err, "client", "voicecb_client"));
    printf("  foreign client: %s\n", voicecb_error_message(err));
    voicecb_error_free(err);
    err = NULL;
    CHECK(voicecb_options_set_timeout_ms((voicecb_options *)req, 1000, &err) == VOICECB_ERR_INVALID_HANDLE);
    CHECK(says_not_live(err, "opts", "voicecb_options"));
    voicecb_error_free(err);
    char *sid = NULL;
    err = NULL;
    CHECK(voicecb_click2call_send((const voicecb_client *)req, req, 0, &sid, NULL, &err) ==
          VOICECB_ERR_INVALID_HANDLE);
    CHECK(sid == NULL);
    voicecb_error_free(err);

    /* Getters give their "none"; nothing is read past the tag. */
    CHECK(voicecb_error_message((const voicecb_error *)opts) == NULL);
    CHECK(voicecb_error_code((const voicecb_error *)opts) != VOICECB_OK);
    CHECK(voicecb_call_result_session_id((const voicecb_call_result *)req) == NULL);
    CHECK(voicecb_notification_event_type((const voicecb_notification *)opts) == NULL);

    /* A free of the wrong type is ignored (and said on stderr): both stay
     * usable, and are freed once each below. */
    fprintf(stderr, "(an expected note follows)\n");
    voicecb_client_free((voicecb_client *)opts);
    CHECK(voicecb_options_set_timeout_ms(opts, 1000, NULL) == VOICECB_OK);
    CHECK(voicecb_click2call_set_max_duration(req, 10, NULL) == VOICECB_OK);
    voicecb_click2call_free(req);
    voicecb_options_free(opts);
}

#ifdef VOICECB_TEST_USE_AFTER_FREE
static void test_freed_handles(void) {
    voicecb_options *opts = NULL;
    CHECK(voicecb_options_new(&opts) == VOICECB_OK);
    voicecb_options_free(opts);
    /* The tag was wiped at free (and the allocator reuses the first bytes):
     * caught, not undefined, as long as the memory was not handed out again. */
    voicecb_error *err = NULL;
    CHECK(voicecb_options_set_timeout_ms(opts, 1000, &err) == VOICECB_ERR_INVALID_HANDLE);
    CHECK(says_not_live(err, "opts", "voicecb_options"));
    printf("  freed options: %s\n", voicecb_error_message(err));
    voicecb_error_free(err);
    fprintf(stderr, "(an expected note follows)\n");
    voicecb_options_free(opts); /* a double free: ignored */

    voicecb_error *e2 = NULL;
    CHECK(voicecb_options_new(NULL) == VOICECB_ERR_NULL_ARGUMENT);
    CHECK(voicecb_client_new(NULL, "s", NULL, &(voicecb_client *){NULL}, &e2) == VOICECB_ERR_NULL_ARGUMENT);
    voicecb_error_free(e2);
    fprintf(stderr, "(an expected note follows)\n");
    voicecb_error_free(e2);
}
#endif

int main(void) {
    test_foreign_pointers();
#ifdef VOICECB_TEST_USE_AFTER_FREE
    test_freed_handles();
#endif
    printf("c-handles: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
