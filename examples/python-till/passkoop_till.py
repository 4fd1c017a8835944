"""Pass'Koop's offline till from Python, through ctypes on the installed libpasskoop.so.

The library does the work (verification, visitor policy, durable queue, sync): this module only
loads it and moves JSON in and out. It is the shape an Odoo point-of-sale module would take.

    till = Till({"database": "caisse-1.till", "host_coop": 3, "till_id": "caisse-1",
                 "server_url": "https://magasin.example", "token": token})
    verdict = till.verify(scanned_text)              # the object of POST /v1/verify
    outcome = till.record({"pass": scanned_text, "amount_cents": 1250})
    till.sync()                                       # whenever the network is there
"""

import ctypes
import ctypes.util
import json
import os
import time

OK = 0
ERROR_INVALID_ARGUMENT = -1
ERROR_BUNDLE_REJECTED = -2
ERROR_NO_REGISTRY = -7
ERROR_NETWORK = -8
ERROR_REFUSED = -9
ERROR_STORAGE = -10


class TillError(Exception):
    """The till's file, the library or the arguments failed (not a refused pass: that is a result)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def load_library(path=None):
    """libpasskoop.so from `path`, $PASSKOOP_LIBRARY, or the system's library path."""
    path = path or os.environ.get("PASSKOOP_LIBRARY") or ctypes.util.find_library("passkoop")
    if not path:
        raise OSError("libpasskoop.so not found: set PASSKOOP_LIBRARY")
    lib = ctypes.CDLL(path)
    till_p = ctypes.c_void_p
    lib.passkoop_till_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(till_p), ctypes.c_char_p, ctypes.c_size_t]
    lib.passkoop_till_close.argtypes = [till_p]
    lib.passkoop_till_close.restype = None
    # Returned strings are read from a void pointer, then freed by the library that made them.
    lib.passkoop_string_free.argtypes = [ctypes.c_void_p]
    lib.passkoop_string_free.restype = None
    lib.passkoop_till_adopt_bundle.argtypes = [till_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64, ctypes.c_char_p,
                                               ctypes.c_char_p, ctypes.c_size_t]
    void_out = ctypes.POINTER(ctypes.c_void_p)
    lib.passkoop_till_verify_json.argtypes = [till_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64, ctypes.c_char_p, void_out]
    lib.passkoop_till_record.argtypes = [till_p, ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p, void_out]
    lib.passkoop_till_refresh.argtypes = [till_p, ctypes.c_int64, ctypes.c_char_p, void_out]
    lib.passkoop_till_sync.argtypes = [till_p, ctypes.c_int64, ctypes.c_char_p, void_out]
    lib.passkoop_till_status.argtypes = [till_p, ctypes.c_int64, void_out]
    return lib


class Till:
    """One till file. Calls are serialised by the library; close() when done (or use `with`)."""

    def __init__(self, options, lang="fr", library=None):
        self._lib = library or load_library()
        self.lang = lang.encode()
        self._handle = ctypes.c_void_p()
        error = ctypes.create_string_buffer(512)
        status = self._lib.passkoop_till_open(json.dumps(options).encode(), self.lang, ctypes.byref(self._handle), error, len(error))
        if status != OK:
            raise TillError(status, error.value.decode(errors="replace"))

    def close(self):
        if self._handle:
            self._lib.passkoop_till_close(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _json_call(self, function, *args):
        out = ctypes.c_void_p()
        status = function(self._handle, *args, ctypes.byref(out))
        try:
            answer = json.loads(ctypes.string_at(out.value).decode()) if out.value else None
        finally:
            self._lib.passkoop_string_free(out)
        return status, answer

    def adopt_bundle(self, data, now=None):
        error = ctypes.create_string_buffer(512)
        status = self._lib.passkoop_till_adopt_bundle(self._handle, data, len(data), _now(now), self.lang, error, len(error))
        if status != OK:
            raise TillError(status, error.value.decode(errors="replace"))

    def verify(self, text, now=None):
        raw = text.encode()
        status, answer = self._json_call(self._lib.passkoop_till_verify_json, raw, len(raw), _now(now), self.lang)
        if status != OK:
            raise TillError(status, "no registry yet: refresh or adopt a bundle" if status == ERROR_NO_REGISTRY else "verify failed")
        return answer

    def record(self, visit, now=None):
        """Returns the library's answer: {"outcome": "recorded"|"refused"|"invalid", ...}."""
        status, answer = self._json_call(self._lib.passkoop_till_record, json.dumps(visit).encode(), _now(now), self.lang)
        if status not in (OK, ERROR_REFUSED, ERROR_INVALID_ARGUMENT) or answer is None:
            raise TillError(status, "record failed")
        return answer

    def refresh(self, now=None):
        return self._json_call(self._lib.passkoop_till_refresh, _now(now), self.lang)[1]

    def sync(self, now=None):
        return self._json_call(self._lib.passkoop_till_sync, _now(now), self.lang)[1]

    def status(self, now=None):
        return self._json_call(self._lib.passkoop_till_status, _now(now))[1]


def _now(now):
    return int(time.time()) if now is None else int(now)
