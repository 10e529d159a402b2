/* python_binding.c - _perf_zygote: the CPython binding of the zygote
 * (runner.py imports it). serve(fd, version) hands the interpreter to
 * perf_zygote_serve and returns only in a forked, sandboxed child; the
 * PyOS_*Fork hooks keep the interpreter's locks and thread state consistent
 * across the fork, as os.fork() does. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "performer.h"

static void before(void *ctx) { (void)ctx; PyOS_BeforeFork(); }
static void after_parent(void *ctx) { (void)ctx; PyOS_AfterFork_Parent(); }
static void after_child(void *ctx) { (void)ctx; PyOS_AfterFork_Child(); }

static PyObject *serve(PyObject *self, PyObject *args)
{
    (void)self;
    int fd;
    const char *version;
    if (!PyArg_ParseTuple(args, "is", &fd, &version)) return NULL;
    perf_zygote_hooks hooks = {before, after_parent, after_child, NULL};
    int r = perf_zygote_serve(fd, version, &hooks);
    if (r < 0) {
        PyErr_SetString(PyExc_RuntimeError, "zygote: cannot serve");
        return NULL;
    }
    return PyUnicode_FromString(r == PERF_ZYGOTE_PROBE ? "probe" : "job");
}

static PyObject *probe_done(PyObject *self, PyObject *args)
{
    (void)self, (void)args;
    perf_zygote_probe_done();
}

static PyMethodDef methods[] = {
    {"serve", serve, METH_VARARGS, "serve(fd, version): fork a sandboxed child per job; returns 'job' or 'probe' in a child"},
    {"probe_done", probe_done, METH_NOARGS, "probe_done(): report the pages this probe wrote, and exit"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_perf_zygote", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__perf_zygote(void)
{
    return PyModule_Create(&module);
}
