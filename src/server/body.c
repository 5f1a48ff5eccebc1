/*
 * JSON request bodies: parsed with cJSON, refused with a located error
 * (line:column of the first byte cJSON could not take) and strict about
 * unknown keys, so a misspelled field is an error rather than ignored.
 */
#include "server.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* "line:column" (1-based, columns in code points) of byte off. */
static void locate(const char *s, size_t off, char *out, size_t cap)
{
    size_t line = 1, bol = 0;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n')
            line++, bol = i + 1;
    snprintf(out, cap, "%zu:%zu", line, ks_utf8_count(s + bol, off - bol) + 1);
}

/* Offset of a \u0000 escape inside the text, or len: cJSON would end the
 * string there and silently drop the rest. */
static size_t nul_escape(const char *s, size_t len)
{
    for (size_t i = 0; i + 6 <= len; i++)
        if (s[i] == '\\' && !memcmp(s + i + 1, "u0000", 5))
            return i;
    return len;
}

cJSON *srv_body_object(srv_req *r)
{
    const char *s = r->body.p ? r->body.p : "";
    size_t len = r->body.len, bad;
    char where[48];
    if (ks_utf8_validate(s, len, &bad) != KS_OK) {
        locate(s, bad, where, sizeof where);
        srv_error(r, SRV_E_bad_json, "the body is not valid UTF-8", where);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    size_t at = end ? (size_t)(end - s) : len;
    while (root && at < len && strchr(" \t\r\n", s[at]))
        at++;
    if (!root || at < len || nul_escape(s, len) < len) {
        if (root && at == len)
            at = nul_escape(s, len);
        locate(s, at < len ? at : len, where, sizeof where);
        srv_error(r, SRV_E_bad_json,
                  !len ? "the body is empty; a JSON object is expected"
                  : !root ? "malformed JSON"
                  : at < len && s[at] != '\\'
                        ? "unexpected text after the JSON value"
                        : "\\u0000 is not allowed in a string",
                  where);
        cJSON_Delete(root);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        srv_error(r, SRV_E_invalid_field, "the body must be a JSON object",
                  "1:1");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int srv_known_keys(srv_req *r, const cJSON *obj, const char *const *keys)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *const *k = keys;
        while (*k && strcmp(*k, m->string))
            k++;
        if (!*k) {
            srv_errorf(r, SRV_E_invalid_field, m->string,
                       "unknown field \"%.64s\"", m->string);
            return -1;
        }
    }
    return 0;
}

int srv_opt_string(srv_req *r, const cJSON *obj, const char *key,
                   const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v)) {
        srv_errorf(r, SRV_E_invalid_field, key, "%s must be a string", key);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}
