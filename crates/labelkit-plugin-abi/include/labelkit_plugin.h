/*
 * labelkit_plugin.h: the C ABI of labelkit rule plugins, major version 1.
 *
 * A plugin is a shared library that exports one function,
 *
 *     const LkPluginV1 *labelkit_plugin_v1(void);
 *
 * returning a pointer to a static function table. The ABI major version is
 * part of the symbol's name; the table starts with its minor version and its
 * own size, and fields are only ever appended.
 *
 * Data crosses as UTF-8 JSON (schema LABELKIT_PLUGIN_SCHEMA) in
 * (pointer, length) buffers. The host owns LkInput buffers: they are valid
 * for one call. The plugin owns LkOutput buffers: the host gives each one
 * back to free_buffer exactly once. On LK_OK an output holds JSON; on
 * LK_ERROR or LK_PANIC it holds a UTF-8 message (or is empty).
 *
 * The host calls one session's functions from one thread at a time, and
 * never unloads the library. See docs/plugins.md for the JSON documents.
 *
 * This header is kept in step with the Rust crate labelkit-plugin-abi by a
 * test: change both together.
 */
#ifndef LABELKIT_PLUGIN_H
#define LABELKIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LABELKIT_PLUGIN_ABI_MAJOR 1
#define LABELKIT_PLUGIN_ABI_MINOR 1
#define LABELKIT_PLUGIN_SCHEMA 1
#define LABELKIT_PLUGIN_ENTRY labelkit_plugin_v1

typedef int32_t LkStatus;
#define LK_OK 0
#define LK_ERROR 1
#define LK_PANIC 2

/* A buffer owned by the host, lent to the plugin for one call. */
typedef struct LkInput {
    const uint8_t *ptr;
    size_t len;
} LkInput;

/* A buffer allocated by the plugin; NULL/0 when empty. */
typedef struct LkOutput {
    uint8_t *ptr;
    size_t len;
} LkOutput;

/* The host's services (minor 1), version first; fields are only ever
 * appended. request answers a JSON request document (docs/plugins.md) with
 * a response the plugin gives back to free_buffer; call it only during
 * check_image and finish of the session it was opened with. */
typedef struct LkHostV1 {
    /* The ABI minor the host was built with. */
    uint32_t abi_minor;
    /* sizeof(LkHostV1) as the host was compiled. */
    uint32_t struct_size;
    /* The host's context, passed back to each function. */
    void *ctx;
    /* Answers a request document with a response document in *out. */
    LkStatus (*request)(void *ctx, LkInput input, LkOutput *out);
    /* Frees a response buffer. */
    void (*free_buffer)(void *ctx, LkOutput buffer);
} LkHostV1;

/* The function table of ABI major 1. */
typedef struct LkPluginV1 {
    /* The ABI minor version the plugin was built against. */
    uint32_t abi_minor;
    /* sizeof(LkPluginV1) as the plugin was compiled. */
    uint32_t struct_size;
    /* Writes the manifest (JSON) into *out. */
    LkStatus (*describe)(LkOutput *out);
    /* Opens a session from the session document; stores an opaque
     * session pointer (may be NULL) into *session. */
    LkStatus (*open)(LkInput input, void **session, LkOutput *out);
    /* Checks one image: writes a findings document into *out. */
    LkStatus (*check_image)(void *session, LkInput input, LkOutput *out);
    /* Writes the dataset-level findings document into *out. */
    LkStatus (*finish)(void *session, LkOutput *out);
    /* Frees a session; called once for every successful open. */
    void (*close)(void *session);
    /* Frees an output buffer; called once for every non-empty output. */
    void (*free_buffer)(LkOutput buffer);
    /* Minor 1, optional (NULL: the host calls open): opens a session as
     * open does, with the host's services, valid until close. */
    LkStatus (*open_with_host)(LkInput input, const struct LkHostV1 *host,
                               void **session, LkOutput *out);
} LkPluginV1;

/* The entry point every plugin exports. */
const LkPluginV1 *labelkit_plugin_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* LABELKIT_PLUGIN_H */
