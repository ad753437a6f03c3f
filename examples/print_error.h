/*
 * print_error() of the examples: everything an error of libvoicecb says.
 * A header of the examples only, included by each of them.
 */
#ifndef VOICECB_EXAMPLE_PRINT_ERROR_H
#define VOICECB_EXAMPLE_PRINT_ERROR_H

#include <stdio.h>

#include "voicecb.h"

/* Prints everything an error says: its code, message and, for a refusal of
 * the platform, what the platform answered and the catalogue's entry. */
static inline void print_error(const char *what, voicecb_result rc, const voicecb_error *err) {
    fprintf(stderr, "%s: %s (%d)\n", what, voicecb_result_str(rc), (int)rc);
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
        fprintf(stderr, "  catalogue: %s / %s\n  advice: %s\n  advice (zh): %s\n  category: %s, retry safe: %s\n",
                voicecb_code_info_en(info), voicecb_code_info_zh(info), voicecb_code_info_advice(info),
                voicecb_code_info_advice_zh(info),
                voicecb_category_name(voicecb_code_info_category(info)),
                voicecb_code_info_retryable(info) ? "yes" : "no");
    }
}

#endif
