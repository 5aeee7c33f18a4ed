/*
 * A small RFC 4180 reader for the labelled text files the classifier trains on
 * (Banking77's train.csv: "text,category"). Only the first two fields of a row are used.
 */
#include "triage.h"

#include "../core/buf.h"
#include "../core/err.h"

#include <stdio.h>

#define FIELD_MAX (64 * 1024)

int triage_csv_read(const char *path, int (*cb)(void *ctx, const char *text, const char *label),
                    void *ctx, long *line)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return FD_EIO;
    struct buf fld[2];
    buf_init(&fld[0], FIELD_MAX);
    buf_init(&fld[1], FIELD_MAX);
    long ln = 1, row_line = 1;
    int rc = 0, field = 0, quoted = 0, in_quotes = 0, header = 1, any = 0;
    for (;;) {
        int c = fgetc(f);
        if (in_quotes) {
            if (c == EOF) {
                rc = FD_EPARSE;
                break;
            }
            if (c == '"') {
                int d = fgetc(f);
                if (d == '"') {
                    if (field < 2 && (rc = buf_append(&fld[field], "\"", 1)))
                        break;
                    continue;
                }
                in_quotes = 0;
                if (d != EOF)
                    ungetc(d, f);
                continue;
            }
            if (c == '\n')
                ln++;
            if (field < 2 && (rc = buf_append(&fld[field], &(char){(char)c}, 1)))
                break;
            continue;
        }
        if (c == '"' && !quoted && field < 2 && fld[field].len == 0) {
            in_quotes = quoted = 1;
            any = 1;
            continue;
        }
        if (c == ',') {
            field++;
            quoted = 0;
            any = 1;
            continue;
        }
        if (c == '\r')
            continue;
        if (c == '\n' || c == EOF) {
            if (any || fld[0].len) {
                if (field < 1) {
                    rc = FD_EPARSE;
                    break;
                }
                if (!header &&
                    (rc = cb(ctx, fld[0].ptr ? fld[0].ptr : "", fld[1].ptr ? fld[1].ptr : "")))
                    break;
                header = 0;
            }
            if (c == EOF)
                break;
            buf_reset(&fld[0]);
            buf_reset(&fld[1]);
            field = quoted = any = 0;
            row_line = ++ln;
            continue;
        }
        any = 1;
        if (field < 2 && (rc = buf_append(&fld[field], &(char){(char)c}, 1)))
            break;
    }
    if (rc && line)
        *line = row_line;
    buf_release(&fld[0]);
    buf_release(&fld[1]);
    fclose(f);
    return rc;
}
