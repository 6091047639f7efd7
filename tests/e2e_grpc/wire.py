"""A tiny protobuf wire-format encoder/decoder written from the field numbers of
../shared/spec/serving-spec.md §2 (no generated code), so that a wrong field number in Serval's own
.proto files cannot hide behind stubs generated from those same files.

Encoding helpers return bytes; `fields(buf)` decodes one message level into a list of
(field_number, wire_type, value) with value an int (varint, fixed32, fixed64) or bytes
(length-delimited)."""
import struct

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5


def varint(n):
    if n < 0:
        n += 1 << 64  # int32/int64 negatives are 10-byte two's complement varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return varint((field << 3) | wt)


def f_varint(field, n):
    return key(field, VARINT) + varint(n)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return key(field, LEN) + varint(len(b)) + b


f_msg = f_bytes
f_str = f_bytes


def f_float(field, x):
    return key(field, FIXED32) + struct.pack("<f", x)


def f_packed_floats(field, xs):
    return f_bytes(field, b"".join(struct.pack("<f", x) for x in xs))


def f_packed_varints(field, xs):
    return f_bytes(field, b"".join(varint(x) for x in xs))


def map_entry(field, k, value_bytes):
    """One map<string, Message> entry: key = 1, value = 2."""
    return f_msg(field, f_str(1, k) + f_msg(2, value_bytes))


def read_varint(buf, i):
    n = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i
        if shift > 70:
            raise ValueError("varint too long")


def fields(buf):
    out = []
    i = 0
    while i < len(buf):
        k, i = read_varint(buf, i)
        field, wt = k >> 3, k & 7
        if field == 0:
            raise ValueError("field number 0")
        if wt == VARINT:
            v, i = read_varint(buf, i)
        elif wt == FIXED64:
            v = struct.unpack_from("<Q", buf, i)[0]
            i += 8
        elif wt == FIXED32:
            v = struct.unpack_from("<I", buf, i)[0]
            i += 4
        elif wt == LEN:
            n, i = read_varint(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated length-delimited field")
            v = bytes(buf[i:i + n])
            i += n
        else:
            raise ValueError(f"unsupported wire type {wt} (field {field})")
        out.append((field, wt, v))
    return out


def get_all(buf, field):
    return [(wt, v) for f, wt, v in fields(buf) if f == field]


def get_one(buf, field, default=None):
    vs = get_all(buf, field)
    return vs[-1][1] if vs else default


def field_numbers(buf):
    return sorted({f for f, _, _ in fields(buf)})


def as_int64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def floats(buf, field):
    """A repeated float field, packed (LEN) or not (FIXED32): a parser must accept both."""
    out = []
    for wt, v in get_all(buf, field):
        if wt == LEN:
            out.extend(struct.unpack(f"<{len(v) // 4}f", v))
        elif wt == FIXED32:
            out.append(struct.unpack("<f", struct.pack("<I", v))[0])
        else:
            raise ValueError(f"float field {field} with wire type {wt}")
    return out


def float_of(buf, field):
    v = get_one(buf, field)
    if v is None:
        return 0.0
    return struct.unpack("<f", struct.pack("<I", v))[0]


def map_entries(buf, field):
    """{key: value bytes} of a map<string, Message> field."""
    out = {}
    for wt, entry in get_all(buf, field):
        if wt != LEN:
            raise ValueError(f"map field {field} with wire type {wt}")
        k = get_one(entry, 1, b"").decode()
        out[k] = get_one(entry, 2, b"")
    return out


# ---- messages of §2 -----------------------------------------------------------------------------

def model_spec(name, signature_name=None, version=None):
    b = f_str(1, name)
    if version is not None:
        b += f_msg(2, f_varint(1, version))  # google.protobuf.Int64Value { int64 value = 1; }
    if signature_name is not None:
        b += f_str(3, signature_name)
    return b


def tensor_float(shape, values):
    """TensorProto{dtype=1 DT_FLOAT, tensor_shape=2 {dim=2 {size=1}}, float_val=5 packed}."""
    shp = b"".join(f_msg(2, f_varint(1, d)) for d in shape)
    return f_varint(1, 1) + f_msg(2, shp) + f_packed_floats(5, values)


def example_floats(feats):
    """tf.Example{features=1 Features{feature=1 map<string, Feature{float_list=2 FloatList{value=1}}>}}."""
    feature_map = b"".join(map_entry(1, k, f_msg(2, f_packed_floats(1, vs))) for k, vs in feats.items())
    return f_msg(1, feature_map)


def predict_request(name, signature_name, inputs):
    return f_msg(1, model_spec(name, signature_name)) + b"".join(
        map_entry(2, k, v) for k, v in inputs.items())


def input_example_list(examples):
    """Input{example_list=1 ExampleList{examples=1 repeated}}."""
    return f_msg(1, b"".join(f_msg(1, e) for e in examples))


def classification_request(name, signature_name, examples):
    return f_msg(1, model_spec(name, signature_name)) + f_msg(2, input_example_list(examples))


regression_request = classification_request


def metadata_request(name, fields_=("signature_def",)):
    return f_msg(1, model_spec(name)) + b"".join(f_str(2, x) for x in fields_)


def status_request(name):
    return f_msg(1, model_spec(name))


def decode_tensor(buf):
    """(dtype, shape, float values) of a DT_FLOAT TensorProto, from float_val or tensor_content."""
    dtype = get_one(buf, 1, 0)
    shape = [as_int64(get_one(d, 1, 0)) for _, d in get_all(get_one(buf, 2, b""), 2)]
    content = get_one(buf, 4, b"")
    vals = list(struct.unpack(f"<{len(content) // 4}f", content)) if content else floats(buf, 5)
    return dtype, shape, vals


def decode_model_spec(buf):
    v = get_one(buf, 2)
    return {"name": get_one(buf, 1, b"").decode(),
            "version": None if v is None else as_int64(get_one(v, 1, 0)),
            "signature_name": get_one(buf, 3, b"").decode(),
            "fields": field_numbers(buf)}
