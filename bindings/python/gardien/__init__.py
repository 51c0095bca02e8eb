"""gardien for Python: a ctypes binding over the shared library libgardien.so.

No compiler is needed: the module loads libgardien.so.0 (from GARDIEN_LIBRARY if
set, else the system's library path) and calls its C API (include/gardien.h).
Every C error becomes an exception carrying the library's one-line message:

    import gardien
    gardien.Vault.init("acme.db")                 # vault + master key file
    with gardien.Vault("acme.db") as v:
        v.create_tenant("acme", country_code="33")
        with v.actor("acme", "svc:app") as a:
            s = a.subject_create(email="ana@example.org")
            r = a.put(s, "ana@example.org", activity="billing",
                      category="user.contact.email")
            print(a.get(r, purpose="billing").value)
            a.erase(s)

A Vault and its actors are used by one thread at a time, as in C.
"""
import ctypes
import ctypes.util
import datetime
import os
from dataclasses import dataclass

__all__ = [
    "Vault", "Actor", "Record", "Request", "Kept", "GardienError", "InvalidInput",
    "NotFound", "Denied", "Corrupt", "AlreadyExists", "OutOfMemory", "IOError_",
    "Expired", "TooBig", "Busy", "StateError", "library_version",
]

SUBJECT_ID_SIZE = 29
NAME_MAX = 128
REASON_MAX = 1000

# ---- errors -------------------------------------------------------------------


class GardienError(Exception):
    """A gardien error: `code` is the negative GD_E… value, `name` its name."""

    code = -1

    def __init__(self, message, code=None, name=None):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.name = name or "GD_ERROR"
        self.message = message


class InvalidInput(GardienError):
    code = -2


class NotFound(GardienError):
    code = -3


class Denied(GardienError):
    code = -4


class Corrupt(GardienError):
    code = -5


class AlreadyExists(GardienError):
    code = -6


class OutOfMemory(GardienError):
    code = -7


class IOError_(GardienError):
    code = -8


class Expired(GardienError):
    code = -9


class TooBig(GardienError):
    code = -10


class Busy(GardienError):
    code = -11


class StateError(GardienError):
    code = -12


_BY_CODE = {c.code: c for c in (InvalidInput, NotFound, Denied, Corrupt, AlreadyExists,
                                 OutOfMemory, IOError_, Expired, TooBig, Busy, StateError)}

# ---- the library ------------------------------------------------------------------


def _load():
    path = os.environ.get("GARDIEN_LIBRARY") or ctypes.util.find_library("gardien") \
        or "libgardien.so.0"
    return ctypes.CDLL(path)


_lib = _load()
_time = ctypes.c_int64
_p = ctypes.c_void_p
_s = ctypes.c_char_p


class _VaultOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("key_path", _s), ("now", _time)]


class _RecordSpec(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("activity", _s), ("category", _s), ("source", _s),
                ("collected_at", _time), ("type", ctypes.c_int), ("value", _p),
                ("value_len", ctypes.c_size_t), ("subject_category", _s)]


class _Record(ctypes.Structure):
    _fields_ = [("id", ctypes.c_int64), ("subject", ctypes.c_char * SUBJECT_ID_SIZE),
                ("activity", ctypes.c_char * (NAME_MAX + 1)),
                ("category", ctypes.c_char * (NAME_MAX + 1)),
                ("source", ctypes.c_char * (NAME_MAX + 1)),
                ("collected_at", _time), ("updated_at", _time), ("type", ctypes.c_int),
                ("value", ctypes.POINTER(ctypes.c_ubyte)), ("value_len", ctypes.c_size_t)]


class _RequestSpec(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("kind", _s), ("subject", _s),
                ("received_at", _time), ("activity", _s)]


class _Request(ctypes.Structure):
    _fields_ = [("id", ctypes.c_int64), ("subject", ctypes.c_char * SUBJECT_ID_SIZE),
                ("kind", ctypes.c_char * 32), ("activity", ctypes.c_char * (NAME_MAX + 1)),
                ("state", ctypes.c_int), ("received_at", _time), ("due_at", _time),
                ("extended", ctypes.c_bool), ("late", ctypes.c_bool),
                ("reason", ctypes.c_char * (REASON_MAX + 1)),
                ("identity_method", ctypes.c_char * (NAME_MAX + 1)),
                ("identity_ref", ctypes.c_char * (NAME_MAX + 1)),
                ("identity_by", ctypes.c_char * (NAME_MAX + 1)),
                ("identity_at", _time), ("closed_at", _time),
                ("opened_by", ctypes.c_char * (NAME_MAX + 1)), ("copies", ctypes.c_int64),
                ("target_at", _time)]


class _Kept(ctypes.Structure):
    _fields_ = [("record_id", ctypes.c_int64), ("activity", _s), ("category", _s),
                ("rule", _s), ("until", _time)]


_RECORD_CB = ctypes.CFUNCTYPE(ctypes.c_int, _p, ctypes.POINTER(_Record))
_WRITE_CB = ctypes.CFUNCTYPE(ctypes.c_int, _p, _p, ctypes.c_size_t)
_KEPT_CB = ctypes.CFUNCTYPE(ctypes.c_int, _p, ctypes.POINTER(_Kept))


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_c = ctypes.c_int
_error_last = _fn("gd_error_last", _s)
_error_name = _fn("gd_error_name", _s, _c)
_version = _fn("gd_version", _s)
_vault_init = _fn("gd_vault_init", _c, _s, ctypes.POINTER(_VaultOptions))
_vault_open = _fn("gd_vault_open", _c, ctypes.POINTER(_p), _s, ctypes.POINTER(_VaultOptions))
_vault_close = _fn("gd_vault_close", None, _p)
_vault_begin = _fn("gd_vault_begin", _c, _p)
_vault_commit = _fn("gd_vault_commit", _c, _p)
_vault_rollback = _fn("gd_vault_rollback", None, _p)
_tenant_create = _fn("gd_tenant_create", _c, _p, _s, _s)
_actor_open = _fn("gd_actor_open", _c, ctypes.POINTER(_p), _p, _s, _s)
_actor_close = _fn("gd_actor_close", None, _p)
_subject_create = _fn("gd_subject_create", _c, _p, ctypes.c_char_p)
_subject_add_identifier = _fn("gd_subject_add_identifier", _c, _p, _s, _s, _s)
_subject_find = _fn("gd_subject_find", _c, _p, ctypes.c_char_p, _s, _s)
_subject_erase = _fn("gd_subject_erase", _c, _p, _s)
_record_put = _fn("gd_record_put", _c, _p, ctypes.POINTER(ctypes.c_int64), _s,
                  ctypes.POINTER(_RecordSpec))
_record_get = _fn("gd_record_get", _c, _p, ctypes.POINTER(ctypes.POINTER(_Record)),
                  ctypes.c_int64, _s)
_record_free = _fn("gd_record_free", None, ctypes.POINTER(_Record))
_record_list = _fn("gd_record_list", _c, _p, _s, _s, _RECORD_CB, _p,
                   ctypes.POINTER(ctypes.c_size_t))
_record_update = _fn("gd_record_update", _c, _p, ctypes.c_int64, _c, _p, ctypes.c_size_t)
_record_delete = _fn("gd_record_delete", _c, _p, ctypes.c_int64)
_request_open = _fn("gd_request_open", _c, _p, ctypes.POINTER(ctypes.c_int64),
                    ctypes.POINTER(_RequestSpec))
_request_get = _fn("gd_request_get", _c, _p, ctypes.POINTER(_Request), ctypes.c_int64)
_request_state_name = _fn("gd_request_state_name", _s, _c)
_request_verify = _fn("gd_request_verify", _c, _p, ctypes.c_int64, _s, _s)
_request_start = _fn("gd_request_start", _c, _p, ctypes.c_int64)
_request_extend = _fn("gd_request_extend", _c, _p, ctypes.c_int64, _s)
_request_refuse = _fn("gd_request_refuse", _c, _p, ctypes.c_int64, _s)
_request_complete = _fn("gd_request_complete", _c, _p, ctypes.c_int64, _s)
_request_export = _fn("gd_request_export", _c, _p, ctypes.c_int64, _c, _WRITE_CB, _p,
                      ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_bool))
_request_erase = _fn("gd_request_erase", _c, _p, ctypes.c_int64, _KEPT_CB, _p)


def library_version():
    """The version of the libgardien.so actually loaded."""
    return _version().decode()


def _check(rc):
    if rc < 0:
        msg = (_error_last() or b"").decode("utf-8", "replace")
        name = (_error_name(rc) or b"").decode()
        cls = _BY_CODE.get(rc, GardienError)
        raise cls(msg or name, code=rc, name=name)
    return rc


def _b(s):
    return None if s is None else s.encode("utf-8")


def _str(buf):
    return bytes(buf).split(b"\0", 1)[0].decode("utf-8")


def _when(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc) if t else None


def _ts(when):
    if when is None:
        return 0
    if isinstance(when, (int, float)):
        return int(when)
    if when.tzinfo is None:
        raise ValueError("give an aware datetime (with tzinfo), not a naive one")
    return int(when.timestamp())


# ---- objects ------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """A decrypted record. `value` is str (text) or the parsed JSON text as str."""
    id: int
    subject: str
    activity: str
    category: str
    source: str
    collected_at: datetime.datetime
    updated_at: datetime.datetime
    is_json: bool
    value: str

    @classmethod
    def _of(cls, r):
        raw = ctypes.string_at(r.value, r.value_len) if r.value_len else b""
        return cls(r.id, _str(r.subject), _str(r.activity), _str(r.category), _str(r.source),
                   _when(r.collected_at), _when(r.updated_at), r.type == 1,
                   raw.decode("utf-8"))


@dataclass(frozen=True)
class Request:
    """A data-subject request and where it stands (Art. 12(3) deadline in due_at)."""
    id: int
    subject: str
    kind: str
    activity: str
    state: str
    received_at: datetime.datetime
    due_at: datetime.datetime
    extended: bool
    late: bool
    reason: str
    closed_at: datetime.datetime
    copies: int
    target_at: datetime.datetime = None  # the tenant's internal target (None: none set)


@dataclass(frozen=True)
class Kept:
    """A record an erasure kept, the rule that keeps it, and until when (None: an event)."""
    record_id: int
    activity: str
    category: str
    rule: str
    until: datetime.datetime


class Vault:
    """An open vault (one SQLite database and its master key file)."""

    @staticmethod
    def init(path, key_path=None, now=None):
        """Creates a vault at `path` and its master key file (mode 0600).
        With `now`, a test or demo vault: the only kind that opens with a fixed clock."""
        o = _VaultOptions(1, _b(key_path), _ts(now))
        _check(_vault_init(_b(path), ctypes.byref(o)))

    def __init__(self, path, key_path=None, now=None):
        o = _VaultOptions(1, _b(key_path), _ts(now))
        self._h = _p()
        _check(_vault_open(ctypes.byref(self._h), _b(path), ctypes.byref(o)))

    def close(self):
        if self._h:
            _vault_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def create_tenant(self, name, country_code=None):
        _check(_tenant_create(self._h, _b(name), _b(country_code)))

    def actor(self, tenant, principal):
        """Who acts on a tenant; every operation is audited under `principal`."""
        return Actor(self, tenant, principal)

    def begin(self):
        """Groups the operations that follow into one durable commit."""
        _check(_vault_begin(self._h))

    def commit(self):
        _check(_vault_commit(self._h))

    def rollback(self):
        _vault_rollback(self._h)


class Actor:
    """A principal acting on one tenant. Close it (or use `with`) to wipe its keys."""

    def __init__(self, vault, tenant, principal):
        self._vault = vault  # keeps the vault open while the actor lives
        self._h = _p()
        _check(_actor_open(ctypes.byref(self._h), vault._h, _b(tenant), _b(principal)))

    def close(self):
        if self._h:
            _actor_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    # subjects
    def subject_create(self, **identifiers):
        """Creates a subject; keyword arguments are identifiers (email=…, phone=…)."""
        out = ctypes.create_string_buffer(SUBJECT_ID_SIZE)
        _check(_subject_create(self._h, out))
        subject = out.value.decode()
        for kind, value in identifiers.items():
            self.add_identifier(subject, kind, value)
        return subject

    def add_identifier(self, subject, kind, value):
        _check(_subject_add_identifier(self._h, _b(subject), _b(kind), _b(value)))

    def find(self, kind, value):
        """The subject holding an identifier; raises NotFound if none."""
        out = ctypes.create_string_buffer(SUBJECT_ID_SIZE)
        _check(_subject_find(self._h, out, _b(kind), _b(value)))
        return out.value.decode()

    def erase(self, subject):
        """Crypto-shreds a subject: its key, records and identifiers are gone."""
        _check(_subject_erase(self._h, _b(subject)))

    # records
    def put(self, subject, value, activity, category, source=None, subject_category=None,
            collected_at=None, is_json=False):
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        buf = ctypes.create_string_buffer(data, len(data))
        spec = _RecordSpec(1, _b(activity), _b(category), _b(source), _ts(collected_at),
                           1 if is_json else 0, ctypes.cast(buf, _p), len(data),
                           _b(subject_category))
        rid = ctypes.c_int64()
        _check(_record_put(self._h, ctypes.byref(rid), _b(subject), ctypes.byref(spec)))
        return rid.value

    def get(self, record_id, purpose):
        """Reads a record for a purpose; raises Denied with the register's reason."""
        r = ctypes.POINTER(_Record)()
        _check(_record_get(self._h, ctypes.byref(r), record_id, _b(purpose)))
        try:
            return Record._of(r.contents)
        finally:
            _record_free(r)

    def records(self, subject, purpose):
        """Every record of `subject` readable for `purpose`, and how many were not."""
        out = []

        def each(_ud, r):
            out.append(Record._of(r.contents))
            return 0

        denied = ctypes.c_size_t()
        _check(_record_list(self._h, _b(subject), _b(purpose), _RECORD_CB(each), None,
                            ctypes.byref(denied)))
        return out, denied.value

    def update(self, record_id, value, is_json=False):
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        buf = ctypes.create_string_buffer(data, len(data))
        _check(_record_update(self._h, record_id, 1 if is_json else 0, ctypes.cast(buf, _p),
                              len(data)))

    def delete(self, record_id):
        _check(_record_delete(self._h, record_id))

    # data-subject requests
    def request_open(self, kind, subject, received_at=None, activity=None):
        spec = _RequestSpec(1, _b(kind), _b(subject), _ts(received_at), _b(activity))
        rid = ctypes.c_int64()
        _check(_request_open(self._h, ctypes.byref(rid), ctypes.byref(spec)))
        return rid.value

    def request(self, request_id):
        r = _Request()
        _check(_request_get(self._h, ctypes.byref(r), request_id))
        return Request(r.id, _str(r.subject), _str(r.kind), _str(r.activity),
                       _request_state_name(r.state).decode(), _when(r.received_at),
                       _when(r.due_at), bool(r.extended), bool(r.late), _str(r.reason),
                       _when(r.closed_at), r.copies, _when(r.target_at))

    def request_verify(self, request_id, method, evidence_ref):
        _check(_request_verify(self._h, request_id, _b(method), _b(evidence_ref)))

    def request_start(self, request_id):
        _check(_request_start(self._h, request_id))

    def request_extend(self, request_id, reason):
        _check(_request_extend(self._h, request_id, _b(reason)))

    def request_refuse(self, request_id, reason):
        _check(_request_refuse(self._h, request_id, _b(reason)))

    def request_complete(self, request_id, note=None):
        _check(_request_complete(self._h, request_id, _b(note)))

    def request_export(self, request_id, fmt="json"):
        """The copy owed to the subject, as bytes (fmt: json, csv or html)."""
        formats = {"json": 0, "csv": 1, "html": 2}
        if fmt not in formats:
            raise ValueError("fmt is json, csv or html")
        chunks = []

        def write(_ud, p, n):
            chunks.append(ctypes.string_at(p, n))
            return 0

        _check(_request_export(self._h, request_id, formats[fmt], _WRITE_CB(write), None,
                               None, None))
        return b"".join(chunks)

    def request_erase(self, request_id):
        """Erases what may be erased; returns what was kept, and why."""
        kept = []

        def each(_ud, k):
            k = k.contents
            kept.append(Kept(k.record_id, (k.activity or b"").decode(),
                             (k.category or b"").decode(), (k.rule or b"").decode(),
                             _when(k.until)))
            return 0

        _check(_request_erase(self._h, request_id, _KEPT_CB(each), None))
        return kept
