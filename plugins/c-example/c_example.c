/*
 * c-example: a labelkit rule plugin written in C, against the ABI header
 * crates/labelkit-plugin-abi/include/labelkit_plugin.h.
 *
 * Rules (prefix CEX):
 *   CEX001 small-image  an image narrower or lower than `min-size` pixels
 *                       (default 32);
 *   CEX002 flat-box     a box whose width/height ratio (or its inverse)
 *                       exceeds `max-aspect` (default 10).
 *
 * Build:
 *   cc -shared -fPIC -o libc_example.so c_example.c \
 *      -I ../../crates/labelkit-plugin-abi/include
 *
 * The JSON the host sends is read with a tiny scanner that finds keys in
 * objects and skips values; a real plugin would use a JSON library (cJSON,
 * yyjson, jansson). Findings are written with snprintf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labelkit_plugin.h"

/* ---- a tiny JSON scanner over (pointer, end) ---------------------------- */

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

/* Returns the first byte after the value starting at p, or NULL. */
static const char *skip_value(const char *p, const char *end) {
    p = skip_ws(p, end);
    if (p >= end) return NULL;
    if (*p == '"') {
        for (p++; p < end; p++) {
            if (*p == '\\') p++;
            else if (*p == '"') return p + 1;
        }
        return NULL;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                p = skip_value(p, end);
                if (!p) return NULL;
                p--;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0) return p + 1;
            }
        }
        return NULL;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n') p++;
    return p;
}

/* The value of `key` in the object starting at p ('{'), or NULL. */
static const char *find_key(const char *p, const char *end, const char *key) {
    size_t klen = strlen(key);
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return NULL;
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end || *p != '"') return NULL;
        const char *name = p + 1;
        const char *after = skip_value(p, end);
        if (!after) return NULL;
        int match = (size_t)(after - 1 - name) == klen && memcmp(name, key, klen) == 0;
        p = skip_ws(after, end);
        if (p >= end || *p != ':') return NULL;
        p = skip_ws(p + 1, end);
        if (match) return p;
        p = skip_value(p, end);
        if (!p) return NULL;
        p = skip_ws(p, end);
        if (p < end && *p == ',') p++;
        else return NULL;
    }
}

/* Reads a number at p; returns 0 on failure. */
static int read_number(const char *p, const char *end, double *out) {
    char buf[64];
    size_t n = 0;
    if (!p) return 0;
    while (p + n < end && n < sizeof buf - 1 && strchr("+-.0123456789eE", p[n])) n++;
    if (n == 0) return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    return 1;
}

/* ---- output buffers --------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} Text;

static void text_printf(Text *t, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        int n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (t->data && (size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 256) + (size_t)n + 1;
        char *grown = realloc(t->data, cap);
        if (!grown) return;
        t->data = grown;
        t->cap = cap;
    }
}

static LkStatus give(Text *t, LkOutput *out, LkStatus status) {
    out->ptr = (uint8_t *)t->data;
    out->len = t->len;
    return status;
}

static LkStatus fail(LkOutput *out, const char *message) {
    Text t = {0};
    text_printf(&t, "%s", message);
    return give(&t, out, LK_ERROR);
}

/* ---- the plugin --------------------------------------------------------- */

static const char MANIFEST[] =
    "{\"schema\":1,\"name\":\"c-example\",\"version\":\"0.1.0\",\"prefix\":\"CEX\","
    "\"description\":\"an example plugin written in C\",\"rules\":["
    "{\"code\":\"CEX001\",\"name\":\"small-image\",\"severity\":\"warning\","
    "\"summary\":\"an image is smaller than min-size pixels\","
    "\"docs\":\"## What it does\\nFlags images narrower or lower than `min-size` pixels.\\n\\n"
    "## Why it matters\\nTiny images are usually thumbnails that slipped in.\\n\\n"
    "## Example\\nA 16x16 image.\\n\\n## How to fix\\nReplace it with the full image.\\n\\n"
    "## Options\\n- `min-size` (number, default 32)\","
    "\"options\":[{\"name\":\"min-size\",\"type\":\"number\",\"default\":32,\"doc\":\"smallest side in pixels\"}]},"
    "{\"code\":\"CEX002\",\"name\":\"flat-box\",\"severity\":\"warning\","
    "\"summary\":\"a box is much wider than high, or much higher than wide\","
    "\"docs\":\"## What it does\\nFlags boxes whose width/height ratio exceeds `max-aspect`.\\n\\n"
    "## Why it matters\\nSuch boxes are usually a slip of the mouse.\\n\\n"
    "## Example\\nA 200x4 box.\\n\\n## How to fix\\nRedraw the box.\\n\\n"
    "## Options\\n- `max-aspect` (number, default 10)\","
    "\"options\":[{\"name\":\"max-aspect\",\"type\":\"number\",\"default\":10,\"doc\":\"largest side ratio\"}]}"
    "]}";

typedef struct {
    double min_size;
    double max_aspect;
} Session;

static LkStatus describe(LkOutput *out) {
    Text t = {0};
    text_printf(&t, "%s", MANIFEST);
    return give(&t, out, LK_OK);
}

static LkStatus open_session(LkInput input, void **session, LkOutput *out) {
    const char *p = (const char *)input.ptr, *end = p + input.len;
    Session *s = malloc(sizeof *s);
    if (!s) return fail(out, "out of memory");
    s->min_size = 32;
    s->max_aspect = 10;
    const char *options = find_key(p, end, "options");
    if (options) {
        const char *v = find_key(options, end, "min-size");
        if (v && !read_number(v, end, &s->min_size)) {
            free(s);
            return fail(out, "option `min-size` must be a number");
        }
        v = find_key(options, end, "max-aspect");
        if (v && (!read_number(v, end, &s->max_aspect) || s->max_aspect < 1)) {
            free(s);
            return fail(out, "option `max-aspect` must be a number >= 1");
        }
    }
    *session = s;
    out->ptr = NULL;
    out->len = 0;
    return LK_OK;
}

static LkStatus check_image(void *session, LkInput input, LkOutput *out) {
    const Session *s = session;
    const char *p = (const char *)input.ptr, *end = p + input.len;
    const char *image = find_key(p, end, "image");
    double id = 0, width = 0, height = 0;
    if (!image || !read_number(find_key(image, end, "id"), end, &id) ||
        !read_number(find_key(image, end, "width"), end, &width) ||
        !read_number(find_key(image, end, "height"), end, &height))
        return fail(out, "image document without image.id, image.width or image.height");

    Text t = {0};
    const char *sep = "";
    text_printf(&t, "{\"schema\":1,\"findings\":[");
    if (width < s->min_size || height < s->min_size) {
        text_printf(&t,
                    "{\"code\":\"CEX001\",\"image\":%.0f,"
                    "\"message\":\"image is %.0fx%.0f, smaller than %g pixels\"}",
                    id, width, height, s->min_size);
        sep = ",";
    }
    const char *a = find_key(p, end, "annotations");
    if (a && *a == '[') {
        a = skip_ws(a + 1, end);
        while (a < end && *a == '{') {
            const char *next = skip_value(a, end);
            if (!next) break;
            double ann = 0, w = 0, h = 0;
            const char *bbox = find_key(a, next, "bbox");
            if (read_number(find_key(a, next, "id"), next, &ann) && bbox && *bbox == '[') {
                /* bbox: [x, y, w, h] */
                const char *q = bbox + 1;
                int i;
                for (i = 0; i < 2 && q; i++) {
                    q = skip_value(q, next);
                    if (q) q = skip_ws(q, next) + 1;
                }
                if (q && read_number(skip_ws(q, next), next, &w)) {
                    q = skip_value(q, next);
                    if (q) q = skip_ws(q, next) + 1;
                    if (q && read_number(skip_ws(q, next), next, &h) && w > 0 && h > 0 &&
                        (w / h > s->max_aspect || h / w > s->max_aspect)) {
                        text_printf(&t,
                                    "%s{\"code\":\"CEX002\",\"image\":%.0f,\"annotation\":%.0f,"
                                    "\"message\":\"box is %gx%g, a side ratio above %g\"}",
                                    sep, id, ann, w, h, s->max_aspect);
                        sep = ",";
                    }
                }
            }
            a = skip_ws(next, end);
            if (a < end && *a == ',') a = skip_ws(a + 1, end);
        }
    }
    text_printf(&t, "]}");
    return give(&t, out, LK_OK);
}

static LkStatus finish(void *session, LkOutput *out) {
    (void)session;
    Text t = {0};
    text_printf(&t, "{\"schema\":1,\"findings\":[]}");
    return give(&t, out, LK_OK);
}

static void close_session(void *session) { free(session); }

static void free_buffer(LkOutput buffer) { free(buffer.ptr); }

static const LkPluginV1 TABLE = {
    LABELKIT_PLUGIN_ABI_MINOR,
    (uint32_t)sizeof(LkPluginV1),
    describe,
    open_session,
    check_image,
    finish,
    close_session,
    free_buffer,
    /* open_with_host (minor 1): none, so the host calls open_session. */
    NULL,
};

const LkPluginV1 *labelkit_plugin_v1(void) { return &TABLE; }
