# runner.py - the Python side of the performer: runs function invocations.
#
# The twin of runner.js (read that header first): the same two modes
# (zygote on fd 3 / --once), the same request on fd 0 and envelope on fd 3,
# the same determinism rules:
# - the wall clock (time.time/time_ns/localtime/gmtime/ctime/strftime,
#   datetime.now/utcnow/today, date.today) reads the task's timestamp;
#   monotonic clocks stay real;
# - random, os.urandom, os.getrandom, random.SystemRandom, secrets and
#   uuid.uuid4 draw from the task's seed: os.urandom from SHA-256(seed || counter) exactly
#   like runner.js, `random` from Mersenne Twister seeded with the seed;
# - hash randomisation is off (PYTHONHASHSEED=0, set by the performer), so
#   set iteration order is the same on every operator;
# - JSON is written as JSON.stringify writes it (compact, keys in insertion
#   order, numbers in ECMAScript form), so the same result looks the same
#   from either runtime.
import datetime as _datetime
import hashlib
import importlib.util
import json
import os
import random
import sys
import time

# Per-invocation state; the patches below are installed once (in the zygote
# before it forks) and read it.
state = {"now": 0, "random": None, "sink": None}

# ---------------------------------------------------------------------------
# Frozen wall clock.


def _install_clock():
    t = time
    real = {name: getattr(t, name) for name in ("localtime", "gmtime", "ctime", "asctime", "strftime")}
    t.time = lambda: float(state["now"])
    t.time_ns = lambda: state["now"] * 1_000_000_000
    t.localtime = lambda secs=None: real["localtime"](state["now"] if secs is None else secs)
    t.gmtime = lambda secs=None: real["gmtime"](state["now"] if secs is None else secs)
    t.ctime = lambda secs=None: real["ctime"](state["now"] if secs is None else secs)
    t.asctime = lambda tup=None: real["asctime"](real["localtime"](state["now"]) if tup is None else tup)
    t.strftime = lambda fmt, tup=None: real["strftime"](fmt, real["localtime"](state["now"]) if tup is None else tup)

    # datetime's C type reads the system clock itself, so datetime.datetime
    # and datetime.date are replaced by subclasses whose "now" constructors
    # use the frozen clock. They return instances of the real classes, and
    # isinstance/issubclass against the replacements still accept those.
    def frozen(base, **ctors):
        class Meta(type):
            def __instancecheck__(cls, obj):
                return isinstance(obj, base)

            def __subclasscheck__(cls, sub):
                return issubclass(sub, base)

        return Meta(base.__name__, (base,), {k: classmethod(v) for k, v in ctors.items()})

    dt, d = _datetime.datetime, _datetime.date
    _datetime.datetime = frozen(
        dt,
        now=lambda cls, tz=None: dt.fromtimestamp(state["now"], tz),
        utcnow=lambda cls: dt.fromtimestamp(state["now"], _datetime.timezone.utc).replace(tzinfo=None),
        today=lambda cls: dt.fromtimestamp(state["now"]),
    )
    _datetime.date = frozen(d, today=lambda cls: d.fromtimestamp(state["now"]))


# ---------------------------------------------------------------------------
# Seeded randomness: block i of the byte stream is SHA-256(seed || uint64be(i)).


class RandomStream:
    def __init__(self, seed):
        self.seed = seed
        self.counter = 0
        self.block = b""

    def bytes(self, n):
        out = bytearray()
        while len(out) < n:
            if not self.block:
                self.block = hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
                self.counter += 1
            k = min(n - len(out), len(self.block))
            out += self.block[:k]
            self.block = self.block[k:]
        return bytes(out)


def _install_random():
    def urandom(n):
        if n < 0:
            raise ValueError("negative argument not allowed")
        return state["random"].bytes(n)

    os.urandom = urandom
    # getrandom(2) is ENOSYS in the sandbox: the same stream instead.
    os.getrandom = lambda size, flags=0: urandom(size)
    random._urandom = urandom  # SystemRandom, and so `secrets`, use this name


# ---------------------------------------------------------------------------
# Output capture: sys.stdout and sys.stderr become log lines, capped like
# runner.js's LogSink (the same limits and the same closing line).


class LogSink:
    def __init__(self, max_lines, max_bytes):
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.lines, self.bytes, self.dropped, self.partial = [], 0, 0, ""

    def write(self, text):
        *complete, rest = text.split("\n")
        for line in complete:
            self.add(self.partial + line)
            self.partial = ""
        if len(self.partial) <= self.max_bytes:
            self.partial += rest[: self.max_bytes + 1]

    def add(self, line):
        n = len(line.encode("utf-8", "surrogatepass"))
        if len(self.lines) < self.max_lines and self.bytes + n <= self.max_bytes:
            self.lines.append(line)
            self.bytes += n
        else:
            self.dropped += 1

    def finish(self):
        if self.partial:
            self.add(self.partial)
        self.partial = ""
        if self.dropped:
            self.lines.append(f"[{self.dropped} more log lines dropped: limit {self.max_lines} lines, {self.max_bytes} bytes]")
            self.dropped = 0
        return self.lines


class _Capture:
    """What print() and friends see as sys.stdout / sys.stderr."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if state["sink"] is not None:
            state["sink"].write(text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True


def _install_capture():
    sys.stdout = sys.stderr = _Capture()


# ---------------------------------------------------------------------------
# JSON as JSON.stringify writes it.


def _js_number(x):
    """ECMAScript Number::toString(x) for a finite float (ECMA-262 §6.1.6.1.20),
    from Python's shortest round-trip digits."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _js_number(-x)
    mantissa, _, exp = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    all_digits = whole + frac
    lead = len(all_digits) - len(all_digits.lstrip("0"))
    digits = all_digits[lead:].rstrip("0")
    n = len(whole) + int(exp or 0) - lead  # x = 0.<digits> * 10**n
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    return (digits[0] + ("." + digits[1:] if k > 1 else "")) + "e" + sign + str(abs(e))


def _js_string(s):
    # json.dumps escapes like JSON.stringify except lone surrogates, which
    # JSON.stringify writes as \udXXX escapes (ES2019 well-formed stringify).
    out = json.dumps(s, ensure_ascii=False)
    if any("\ud800" <= c <= "\udfff" for c in s):
        out = "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in out)
    return out


def to_json(value):
    parts, active = [], set()

    def key(k):
        if isinstance(k, str):
            return _js_string(k)
        if k is True or k is False or k is None:
            return _js_string(json.dumps(k))
        if isinstance(k, int):
            return _js_string(str(k))
        if isinstance(k, float):
            return _js_string(_js_number(k) if k == k and abs(k) != float("inf") else json.dumps(k))
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")

    def emit(v):
        if v is None or v is True or v is False:
            parts.append("null" if v is None else "true" if v else "false")
        elif isinstance(v, str):
            parts.append(_js_string(v))
        elif isinstance(v, int):
            parts.append(str(int(v)))
        elif isinstance(v, float):
            parts.append(_js_number(v) if v == v and abs(v) != float("inf") else "null")
        elif isinstance(v, (list, tuple, dict)):
            if id(v) in active:
                raise ValueError("Circular reference detected")
            active.add(id(v))
            if isinstance(v, dict):
                parts.append("{")
                for i, (k, item) in enumerate(v.items()):
                    parts.append(("," if i else "") + key(k) + ":")
                    emit(item)
                parts.append("}")
            else:
                parts.append("[")
                for i, item in enumerate(v):
                    if i:
                        parts.append(",")
                    emit(item)
                parts.append("]")
            active.discard(id(v))
        else:
            raise TypeError(f"Object of type {type(v).__name__} is not JSON serializable")

    emit(value)
    return "".join(parts)


# ---------------------------------------------------------------------------
# One invocation.


def _read_all(fd):
    size = os.fstat(fd).st_size  # a sealed memfd, or for --once maybe a pipe
    chunks = []
    while chunk := os.read(fd, max(size, 1 << 16)):
        chunks.append(chunk)
    return b"".join(chunks)


def parse_request(data):
    nl = data.index(b"\n")
    return json.loads(data[:nl]), data[nl + 1 :]


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def decode_input(raw):
    """SPEC §3: valid JSON -> the parsed value; valid UTF-8 -> the string;
    otherwise binary {"raw": bytes, "text": str, "size": int}."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"raw": raw, "text": raw.decode("utf-8", "replace"), "size": len(raw)}
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def error_message(e):
    return str(e) or type(e).__name__


def envelope(value, error, sink, max_bytes):
    result = "null"
    if error is None:
        try:
            result = to_json(value)
        except (TypeError, ValueError, RecursionError) as e:
            error = f"Result is not JSON-serialisable: {error_message(e)}"
    logs = sink.finish()
    if logs:
        payload = '{"result":' + result + ',"logs":' + to_json(logs) + "}"
    else:
        payload = result if error is None else "null"
    out = '{"payload":' + payload + ',"error":' + ("null" if error is None else _js_string(error)) + "}"
    data = out.encode("utf-8", "surrogatepass")
    if len(data) > max_bytes:
        data = ('{"payload":null,"error":' + _js_string(f"Result too large: {len(data)} bytes (limit {max_bytes})") + "}").encode()
    return data


def _load_handler(directory):
    path = directory + "/handler.py"
    spec = importlib.util.spec_from_file_location("handler", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["handler"] = module
    spec.loader.exec_module(module)
    return getattr(module, "handler", None)


def invoke(header, raw, directory):
    """Runs one invocation against the bundle in directory; returns the envelope bytes."""
    state["now"] = header["timestamp"]
    seed = bytes.fromhex(header["seed"][2:])
    state["random"] = RandomStream(seed)
    random.seed(int.from_bytes(seed, "big"))
    sink = state["sink"] = LogSink(header["max_log_lines"], header["max_log_bytes"])
    sys.argv = [directory + "/handler.py"]
    if directory not in sys.path:
        sys.path.insert(0, directory)
    value, error = None, None
    try:
        handler = _load_handler(directory)
    except BaseException as e:  # noqa: B036 - a function's import may raise anything
        if isinstance(e, SystemExit):
            error = f"Function called sys.exit({e.code if e.code is not None else 0})"
        else:
            error = f"Failed to load handler.py: {type(e).__name__}: {error_message(e)}"
        return envelope(None, error, sink, header["max_result_bytes"])
    if not callable(handler):
        return envelope(None, "handler.py does not define a function named handler", sink, header["max_result_bytes"])
    try:
        value = handler(decode_input(raw))
        if hasattr(value, "__await__"):  # an async def handler
            import asyncio

            value = asyncio.run(value)
    except SystemExit as e:
        error = f"Function called sys.exit({e.code if e.code is not None else 0})"
    except BaseException as e:  # noqa: B036
        error = error_message(e)
    return envelope(value, error, sink, header["max_result_bytes"])


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# ---------------------------------------------------------------------------
# Entry points.


def run_child(request_fd, directory, result_fd):
    """One invocation as a zygote child runs it."""
    header, raw = parse_request(_read_all(request_fd))
    _write_all(result_fd, invoke(header, raw, directory))


def run_once():
    _install_clock()
    _install_random()
    _install_capture()
    header, raw = parse_request(_read_all(0))
    _write_all(3, invoke(header, raw, header["dir"]))
    os._exit(0)


def run_zygote():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import _perf_zygote

    sys.path.remove(here)
    _install_clock()
    _install_random()
    _install_capture()
    # Warm-up: a child's whole path, three times, on a bundle like a user's
    # (warmup/), so that what every invocation imports and runs is loaded here.
    sink = os.open("/dev/null", os.O_WRONLY)
    for _ in range(3):
        request = os.open(here + "/warmup/request", os.O_RDONLY)
        run_child(request, here + "/warmup", sink)
        os.close(request)
    os.close(sink)
    sys.modules.pop("handler", None)
    sys.path.remove(here + "/warmup")
    state.update(random=None, sink=None)
    import gc

    gc.collect()
    gc.freeze()  # children then never touch the zygote's objects to collect them

    if _perf_zygote.serve(3, "python " + sys.version.split()[0]) == "probe":
        # The zygote's probe (trusted, not sandboxed): one more warm-up call,
        # after which the zygote knows which memory pages a call writes.
        run_child(os.open(here + "/warmup/request", os.O_RDONLY), here + "/warmup", os.open("/dev/null", os.O_WRONLY))
        _perf_zygote.probe_done()
    # A sandboxed child, with its job.
    run_child(0, "/var/task", 3)
    os.close(3)  # the result is complete: the performer answers without waiting for our exit
    os._exit(0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--once"]:
        run_once()
    else:
        try:
            run_zygote()
        except BaseException as e:  # noqa: B036
            os.write(2, f"runner.py: zygote failed: {type(e).__name__}: {e}\n".encode())
            os._exit(70)
