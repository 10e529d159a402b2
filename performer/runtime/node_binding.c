/* node_binding.c - perf_zygote.node: the Node.js binding of the zygote
 * (runner.js loads it). serve(fd, version) hands the main thread to
 * perf_zygote_serve and returns only in a forked, sandboxed child, after
 * libuv's kernel state (epoll, async and signal fds) has been recreated for
 * it with uv_loop_fork: siblings must not share one epoll instance.
 * exit(code) leaves at once with _exit: a forked child has no V8 platform
 * threads for Node's normal exit path to join. */
#include <node_api.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "performer.h"

static void loop_fork(void *loop)
{
    if (uv_loop_fork(loop) != 0) _exit(PERF_EXIT_SANDBOX);
}

static napi_value serve(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    int32_t fd = -1;
    char version[80] = "";
    uv_loop_t *loop = NULL;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
        napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
        napi_get_value_string_utf8(env, argv[1], version, sizeof version, NULL) != napi_ok ||
        napi_get_uv_event_loop(env, &loop) != napi_ok) {
        napi_throw_type_error(env, NULL, "serve(fd, version)");
        return NULL;
    }
    perf_zygote_hooks hooks = {.after_fork_child = loop_fork, .ctx = loop};
    int r = perf_zygote_serve(fd, version, &hooks);
    napi_value role = NULL;
    if (r < 0)
        napi_throw_error(env, NULL, "zygote: cannot serve");
    else
        napi_create_string_utf8(env, r == PERF_ZYGOTE_PROBE ? "probe" : "job", NAPI_AUTO_LENGTH, &role);
    return role;
}

static napi_value probe_done(napi_env env, napi_callback_info info)
{
    (void)env, (void)info;
    perf_zygote_probe_done();
}

static napi_value exit_now(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    int32_t code = 0;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1)
        napi_get_value_int32(env, argv[0], &code);
    _exit(code);
}

NAPI_MODULE_INIT()
{
    napi_value fn;
    napi_create_function(env, "serve", NAPI_AUTO_LENGTH, serve, NULL, &fn);
    napi_set_named_property(env, exports, "serve", fn);
    napi_create_function(env, "exit", NAPI_AUTO_LENGTH, exit_now, NULL, &fn);
    napi_set_named_property(env, exports, "exit", fn);
    napi_create_function(env, "probeDone", NAPI_AUTO_LENGTH, probe_done, NULL, &fn);
    napi_set_named_property(env, exports, "probeDone", fn);
    return exports;
}
