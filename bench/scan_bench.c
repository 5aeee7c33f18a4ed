/*
 * Throughput of the secrets scanner (src/safety/scan.c), in MB/s:
 *   - typical text: every file of the email corpus (raw messages, headers and bodies);
 *   - worst case: nothing but BIP-39 words, so every position tries all five phrase
 *     lengths (a SHA-256 each);
 *   - linearity: the worst case at 1, 4 and 16 MiB (time per MiB must stay flat).
 * Build and run (optimised, like the server):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc bench/scan_bench.c src/safety/scan.c -lsodium \
 *       -o build/bench/scan_bench && build/bench/scan_bench [corpus-dir]
 * corpus-dir defaults to ../shared/corpora/email; a second argument "typical" skips the
 * worst case.
 */
#include "safety/scan.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define REPEATS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct text {
    char *p;
    size_t len, cap;
    int files;
};

static void add_file(struct text *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (t->len + n + 1 > t->cap) {
            t->cap = (t->len + n + 1) * 2;
            t->p = realloc(t->p, t->cap);
            if (!t->p)
                abort();
        }
        memcpy(t->p + t->len, chunk, n);
        t->len += n;
    }
    fclose(f);
    t->files++;
}

static void add_dir(struct text *t, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            add_dir(t, path);
        else
            add_file(t, path);
    }
    closedir(d);
}

/* Best of REPEATS runs, in seconds; *found gets the kinds of the last run. */
static double best_time(const char *p, size_t len, unsigned *found)
{
    double best = 1e9;
    for (int i = 0; i < REPEATS; i++) {
        unsigned kinds = 0;
        char *out = NULL;
        double t0 = now_s();
        if (safety_scan(p, len, &kinds, &out, NULL) != 0)
            abort();
        double t = now_s() - t0;
        free(out);
        if (t < best)
            best = t;
        *found = kinds;
    }
    return best;
}

static char *wordlist_text(size_t len)
{
    static const char *const words[] = {"legal ",   "winner ", "thank ",  "year ", "wave ",
                                        "sausage ", "worth ",  "useful ", "zoo ",  "able "};
    char *p = malloc(len + 16);
    if (!p)
        abort();
    size_t n = 0;
    for (unsigned i = 0; n < len; i = i * 7 + 3) {
        const char *w = words[i % 10];
        memcpy(p + n, w, strlen(w));
        n += strlen(w);
    }
    p[len] = 0;
    return p;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/corpora/email";
    struct text t = {0};
    add_dir(&t, dir);
    unsigned found = 0;
    if (t.len) {
        double s = best_time(t.p, t.len, &found);
        printf("scan typical: %d files, %.1f MB in %.3f s = %.1f MB/s (kinds found in the "
               "concatenation: %u)\n",
               t.files, (double)t.len / 1e6, s, (double)t.len / 1e6 / s, found);
    } else {
        printf("scan typical: no corpus at %s\n", dir);
    }
    free(t.p);
    for (size_t mib = 1; mib <= 16 && !(argc > 2 && strcmp(argv[2], "typical") == 0); mib *= 4) {
        size_t len = mib << 20;
        char *p = wordlist_text(len);
        double s = best_time(p, len, &found);
        printf("scan worst case (wordlist words only): %zu MiB in %.3f s = %.1f MB/s, %.3f s/MiB\n",
               mib, s, (double)len / 1e6 / s, s / (double)mib);
        free(p);
    }
    return 0;
}
