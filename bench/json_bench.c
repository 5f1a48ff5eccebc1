/*
 * bench/json_bench: which JSON library reads SPEC 3.1 lines fastest?
 * Parses every line of an archive into a tree and walks it to every
 * message text (the work kesu's reader needs), with cJSON and jansson,
 * and prints MB/s for each. Run by `make bench`.
 *
 *   json_bench ARCHIVE
 */
#include <cJSON.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t walk_cjson(const char *line, size_t len)
{
    size_t n = 0;
    cJSON *root = cJSON_ParseWithLength(line, len);
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
    const cJSON *m;
    cJSON_ArrayForEach(m, msgs)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "text");
        if (cJSON_IsString(t))
            n += strlen(t->valuestring);
    }
    cJSON_Delete(root);
    return n;
}

static size_t walk_jansson(const char *line, size_t len)
{
    size_t n = 0, i;
    json_error_t err;
    json_t *root = json_loadb(line, len, 0, &err), *m;
    json_t *msgs = json_object_get(root, "messages");
    json_array_foreach(msgs, i, m)
    {
        json_t *t = json_object_get(m, "text");
        if (json_is_string(t))
            n += json_string_length(t);
    }
    json_decref(root);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    rewind(f);
    char *buf = sz > 0 ? malloc((size_t)sz) : NULL;
    if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)sz : 0;
    return buf;
}

static void run(const char *name, size_t (*walk)(const char *, size_t),
                const char *buf, size_t len)
{
    double t0 = now();
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
        chars += walk(buf + i, n);
        i += n + 1;
    }
    double s = now() - t0;
    printf("%-8s %7.2f s %8.1f MB/s  (%zu text bytes)\n", name, s,
           (double)len / 1048576.0 / s, chars);
}

int main(int argc, char **argv)
{
    size_t len;
    char *buf = argc == 2 ? slurp(argv[1], &len) : NULL;
    if (!buf) {
        fprintf(stderr, "usage: json_bench ARCHIVE\n");
        return 2;
    }
    run("cJSON", walk_cjson, buf, len);
    run("jansson", walk_jansson, buf, len);
    free(buf);
    return 0;
}
