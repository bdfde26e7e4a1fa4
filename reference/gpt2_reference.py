#!/usr/bin/env python3
"""Independent PyTorch reference for GPT-2 residual-stream taps.

This script is the oracle for the Go implementation in pkg/gpt2 and pkg/taps.
It implements GPT-2 exactly as Hugging Face's GPT2Model computes it in float32
(eval mode, no dropout), reading a Hugging Face checkpoint directory with its
own safetensors reader, and writes the tapped tensors to a safetensors file:

    attn.c_proj    F32 [L, T, D]   output of h.{l}.attn.c_proj (attention's write to the residual)
    mlp.c_proj     F32 [L, T, D]   output of h.{l}.mlp.c_proj (the MLP's write to the residual)
    hidden_states  F32 [L+1, T, D] HF output_hidden_states: 0 = wte+wpe, l = input of block l,
                                   L = ln_f(output of block L-1)
    input_ids      I64 [T]
    logits         F32 [T, V]      ln_f(x) . wte^T (tied LM head), only with --logits

Usage:
    python3 reference/gpt2_reference.py --model DIR (--ids 1,2,3 | --ids-file F.json) \
        --out OUT.safetensors [--logits] [--threads N]
    python3 reference/gpt2_reference.py --compare A.safetensors B.safetensors [--tol X]
    python3 reference/gpt2_reference.py --bench --model DIR (--ids ... | --ids-file F) \
        [--repeat N] [--threads N] [--logits]

Errors are reported as one line on stderr with exit status 2. --compare exits
1 when a tensor present in both files has different shapes (or, with --tol,
when a difference exceeds the tolerance).

Only the Python standard library, NumPy and PyTorch are used; no transformers
or safetensors package.
"""

import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch

__all__ = [
    "GPT2ReferenceError",
    "read_safetensors",
    "read_safetensors_header",
    "write_safetensors",
    "load_config",
    "expected_shapes",
    "load_checkpoint",
    "forward",
    "compare_files",
    "main",
]

PROG = "gpt2_reference"

# Safetensors dtype names and their little-endian NumPy storage types. BF16 has
# no NumPy type: it is stored as uint16 and widened to float32 on decode.
_STORAGE = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}

# Dtypes accepted for model weights (all converted to float32).
WEIGHT_DTYPES = ("F32", "F16", "BF16")

_NUMPY_TO_ST = {
    np.dtype("float64"): "F64",
    np.dtype("float32"): "F32",
    np.dtype("float16"): "F16",
    np.dtype("int64"): "I64",
    np.dtype("int32"): "I32",
    np.dtype("int16"): "I16",
    np.dtype("int8"): "I8",
    np.dtype("uint64"): "U64",
    np.dtype("uint32"): "U32",
    np.dtype("uint16"): "U16",
    np.dtype("uint8"): "U8",
    np.dtype("bool"): "BOOL",
}

# Largest safetensors JSON header we accept (the format itself caps it at 100 MB).
_MAX_HEADER = 100 * 1024 * 1024


class GPT2ReferenceError(Exception):
    """A user-facing error: printed as one line on stderr, exit status 2."""


# ---------------------------------------------------------------------------
# safetensors


def read_safetensors_header(path):
    """Return (header dict without __metadata__, metadata dict, data start offset)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) != 8:
                raise GPT2ReferenceError(
                    f"{path}: file is {size} bytes, too short for a safetensors header; "
                    "check that it is a complete .safetensors file")
            (n,) = struct.unpack("<Q", raw)
            if n > _MAX_HEADER or 8 + n > size:
                raise GPT2ReferenceError(
                    f"{path}: header length {n} does not fit in a {size}-byte file; "
                    "the file is truncated or not safetensors")
            text = f.read(n)
    except FileNotFoundError:
        raise GPT2ReferenceError(f"{path}: file not found; check the path") from None
    except IsADirectoryError:
        raise GPT2ReferenceError(f"{path}: is a directory, expected a .safetensors file") from None
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise GPT2ReferenceError(f"{path}: header is not valid JSON ({e}); the file is not safetensors") from None
    if not isinstance(header, dict):
        raise GPT2ReferenceError(f"{path}: header is not a JSON object; the file is not safetensors")
    metadata = header.pop("__metadata__", None) or {}
    data_len = size - 8 - n
    for name, info in header.items():
        try:
            dtype = info["dtype"]
            shape = [int(d) for d in info["shape"]]
            begin, end = (int(o) for o in info["data_offsets"])
        except (TypeError, KeyError, ValueError):
            raise GPT2ReferenceError(
                f"{path}: tensor {name!r} has a malformed header entry {info!r}; "
                "expected {dtype, shape, data_offsets}") from None
        if dtype not in _STORAGE:
            raise GPT2ReferenceError(
                f"{path}: tensor {name!r} has unknown dtype {dtype!r}; "
                f"known: {', '.join(_STORAGE)}")
        want = _STORAGE[dtype].itemsize * math.prod(shape)
        if not (0 <= begin <= end <= data_len) or end - begin != want:
            raise GPT2ReferenceError(
                f"{path}: tensor {name!r} data_offsets [{begin}, {end}] do not hold "
                f"{dtype}{shape} ({want} bytes) inside the {data_len}-byte data section; "
                "the file is corrupt or truncated")
        info["shape"] = shape
        info["data_offsets"] = [begin, end]
    return header, metadata, 8 + n


def _decode(raw, dtype, shape, to_float32):
    arr = np.frombuffer(raw, dtype=_STORAGE[dtype])
    if dtype == "BF16":
        # bfloat16 is the top half of a float32: shift the bits up and reinterpret.
        arr = (arr.astype(np.uint32) << 16).view(np.float32)
    elif to_float32 and dtype != "F32":
        arr = arr.astype(np.float32)
    else:
        arr = arr.copy()  # own, writable memory
    return arr.reshape(shape)


def read_safetensors(path, names=None, to_float32=False):
    """Read tensors from a safetensors file into NumPy arrays.

    names: optional iterable restricting which tensors are decoded.
    to_float32: convert F16/BF16/F64 to float32 (BF16 is always widened to float32).
    Returns (tensors dict, metadata dict).
    """
    header, metadata, start = read_safetensors_header(path)
    wanted = header.keys() if names is None else [n for n in names if n in header]
    out = {}
    with open(path, "rb") as f:
        for name in wanted:
            info = header[name]
            begin, end = info["data_offsets"]
            f.seek(start + begin)
            raw = f.read(end - begin)
            if len(raw) != end - begin:
                raise GPT2ReferenceError(f"{path}: short read for tensor {name!r}; the file is truncated")
            out[name] = _decode(raw, info["dtype"], info["shape"], to_float32)
    return out, metadata


def write_safetensors(path, tensors, metadata=None):
    """Write a dict of NumPy arrays (float32/16, ints, bool) as a safetensors file.

    Tensors are stored in sorted-name order, contiguous, little-endian. The
    header is padded with spaces to a multiple of 8 bytes, as the reference
    implementation does.
    """
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.asarray(tensors[name])
        st = _NUMPY_TO_ST.get(arr.dtype.newbyteorder("<"))
        if st is None:
            raise GPT2ReferenceError(f"cannot write tensor {name!r}: NumPy dtype {arr.dtype} has no safetensors dtype")
        blob = np.ascontiguousarray(arr, dtype=_STORAGE[st]).tobytes()
        header[name] = {"dtype": st, "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# checkpoint


def load_config(model_dir):
    """Read config.json of a Hugging Face GPT-2 checkpoint directory into a normalized dict."""
    if not os.path.isdir(model_dir):
        raise GPT2ReferenceError(f"model directory {model_dir} does not exist; pass a Hugging Face GPT-2 checkpoint dir")
    path = os.path.join(model_dir, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise GPT2ReferenceError(f"{path} not found; the model dir must hold config.json from the Hugging Face repo") from None
    except json.JSONDecodeError as e:
        raise GPT2ReferenceError(f"{path}: invalid JSON ({e}); re-download config.json") from None
    if not isinstance(raw, dict):
        raise GPT2ReferenceError(f"{path}: expected a JSON object")

    def get(key, *alts, default=None):
        for k in (key,) + alts:
            if raw.get(k) is not None:
                return raw[k]
        if default is None:
            raise GPT2ReferenceError(f"{path}: missing {key!r}; is this a GPT-2 config.json?")
        return default

    cfg = {
        "n_layer": int(get("n_layer", "num_hidden_layers")),
        "n_embd": int(get("n_embd", "hidden_size")),
        "n_head": int(get("n_head", "num_attention_heads")),
        "n_positions": int(get("n_positions", "n_ctx", "max_position_embeddings")),
        "vocab_size": int(get("vocab_size")),
        "layer_norm_epsilon": float(get("layer_norm_epsilon", default=1e-5)),
        "activation_function": str(get("activation_function", default="gelu_new")),
        "scale_attn_weights": raw.get("scale_attn_weights", True) is not False,
        "scale_attn_by_inverse_layer_idx": bool(raw.get("scale_attn_by_inverse_layer_idx") or False),
    }
    n_inner = raw.get("n_inner")
    cfg["n_inner"] = int(n_inner) if n_inner is not None else 4 * cfg["n_embd"]
    if cfg["n_embd"] % cfg["n_head"] != 0:
        raise GPT2ReferenceError(f"{path}: n_embd={cfg['n_embd']} is not divisible by n_head={cfg['n_head']}")
    if cfg["activation_function"] not in _ACTIVATIONS:
        raise GPT2ReferenceError(
            f"{path}: activation_function {cfg['activation_function']!r} is not supported; "
            f"supported: {', '.join(_ACTIVATIONS)}")
    return cfg


def _strip(name):
    return name[len("transformer."):] if name.startswith("transformer.") else name


def expected_shapes(cfg):
    """Return {name: shape} of every weight GPT2Model needs (names without the "transformer." prefix)."""
    d, i = cfg["n_embd"], cfg["n_inner"]
    shapes = {
        "wte.weight": (cfg["vocab_size"], d),
        "wpe.weight": (cfg["n_positions"], d),
        "ln_f.weight": (d,),
        "ln_f.bias": (d,),
    }
    for l in range(cfg["n_layer"]):
        p = f"h.{l}."
        shapes.update({
            p + "ln_1.weight": (d,),
            p + "ln_1.bias": (d,),
            p + "attn.c_attn.weight": (d, 3 * d),
            p + "attn.c_attn.bias": (3 * d,),
            p + "attn.c_proj.weight": (d, d),
            p + "attn.c_proj.bias": (d,),
            p + "ln_2.weight": (d,),
            p + "ln_2.bias": (d,),
            p + "mlp.c_fc.weight": (d, i),
            p + "mlp.c_fc.bias": (i,),
            p + "mlp.c_proj.weight": (i, d),
            p + "mlp.c_proj.bias": (d,),
        })
    return shapes


def _weight_files(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.isfile(single):
        return [single]
    if os.path.isfile(index):
        try:
            with open(index, encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise GPT2ReferenceError(f"{index}: expected JSON with a \"weight_map\" object ({e!r}); re-download it") from None
        files = []
        for shard in weight_map.values():
            p = os.path.join(model_dir, shard)
            if p not in files:
                files.append(p)
        for p in files:
            if not os.path.isfile(p):
                raise GPT2ReferenceError(f"{p} (listed in {index}) not found; download all shards")
        return files
    raise GPT2ReferenceError(
        f"{model_dir} has neither model.safetensors nor model.safetensors.index.json; "
        "download the safetensors weights of the checkpoint")


def load_checkpoint(model_dir):
    """Load config and float32 weights (as torch tensors, keys without "transformer.") of a GPT-2 checkpoint."""
    cfg = load_config(model_dir)
    shapes = expected_shapes(cfg)
    weights = {}
    origin = {}
    for path in _weight_files(model_dir):
        header, _, _ = read_safetensors_header(path)
        take = []
        for name, info in header.items():
            key = _strip(name)
            if key not in shapes:
                # attn.bias / attn.masked_bias buffers, lm_head.weight (tied to wte), anything
                # else GPT2Model does not use: skipped without decoding, whatever their dtype.
                continue
            if key in origin:
                raise GPT2ReferenceError(
                    f"weight {key!r} appears twice ({origin[key]} and {path}:{name}); "
                    "the checkpoint is inconsistent")
            if info["dtype"] not in WEIGHT_DTYPES:
                raise GPT2ReferenceError(
                    f"{path}: tensor {name!r} has dtype {info['dtype']}; supported weight dtypes: "
                    f"{', '.join(WEIGHT_DTYPES)}")
            if tuple(info["shape"]) != shapes[key]:
                raise GPT2ReferenceError(
                    f"{path}: tensor {name!r} has shape {list(info['shape'])}, config.json implies "
                    f"{list(shapes[key])}; config.json and weights do not match")
            origin[key] = f"{path}:{name}"
            take.append(name)
        arrays, _ = read_safetensors(path, names=take, to_float32=True)
        for name, arr in arrays.items():
            weights[_strip(name)] = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    missing = [k for k in shapes if k not in weights]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise GPT2ReferenceError(
            f"checkpoint {model_dir} lacks tensor {missing[0]!r}{more}; "
            "is it a GPT-2 checkpoint matching config.json?")
    return cfg, weights


# ---------------------------------------------------------------------------
# model


def _gelu_new(x):
    # Hugging Face NewGELUActivation ("gelu_new"), the tanh approximation.
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def _gelu_exact(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


_ACTIVATIONS = {
    "gelu_new": _gelu_new,
    "gelu_pytorch_tanh": _gelu_new,
    "gelu_fast": _gelu_new,
    "gelu": _gelu_exact,
    "relu": torch.relu,
}


def _conv1d(x, w, b):
    # HF Conv1D: y = x . W + b with W stored as [in, out].
    return torch.addmm(b, x, w)


def _layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def forward(cfg, weights, ids, logits=False):
    """Run GPT2Model on one sequence of token ids and return the taps as float32 torch tensors.

    Returns a dict: "attn.c_proj" [L,T,D], "mlp.c_proj" [L,T,D], "hidden_states" [L+1,T,D],
    "input_ids" (int64) [T], and "logits" [T,V] when logits is true.
    """
    ids = [int(i) for i in ids]
    t = len(ids)
    if t == 0:
        raise GPT2ReferenceError("no input ids; pass at least one token id")
    if t > cfg["n_positions"]:
        raise GPT2ReferenceError(f"{t} tokens exceed n_positions={cfg['n_positions']}; pass a shorter sequence")
    bad = [i for i in ids if not 0 <= i < cfg["vocab_size"]]
    if bad:
        raise GPT2ReferenceError(f"token id {bad[0]} is outside the vocabulary [0, {cfg['vocab_size']}); check the ids")

    d, nh, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    hd = d // nh
    act = _ACTIVATIONS[cfg["activation_function"]]
    w = weights
    input_ids = torch.tensor(ids, dtype=torch.int64)
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    mask_value = torch.finfo(torch.float32).min

    with torch.no_grad():
        x = w["wte.weight"][input_ids] + w["wpe.weight"][:t]
        hidden, attn_out, mlp_out = [], [], []
        for l in range(cfg["n_layer"]):
            p = f"h.{l}."
            hidden.append(x)

            h = _layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
            qkv = _conv1d(h, w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"])
            q, k, v = qkv.split(d, dim=-1)
            q, k, v = (z.view(t, nh, hd).transpose(0, 1) for z in (q, k, v))  # [H, T, hd]
            scores = torch.matmul(q, k.transpose(-1, -2))
            if cfg["scale_attn_weights"]:
                scores = scores / (float(hd) ** 0.5)
            if cfg["scale_attn_by_inverse_layer_idx"]:
                scores = scores / float(l + 1)
            scores = scores.masked_fill(~causal, mask_value)
            probs = torch.softmax(scores, dim=-1)
            ctx = torch.matmul(probs, v).transpose(0, 1).reshape(t, d)
            a = _conv1d(ctx, w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])
            x = x + a

            h = _layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
            m = _conv1d(act(_conv1d(h, w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"])),
                        w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])
            x = x + m

            attn_out.append(a)
            mlp_out.append(m)

        final = _layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
        hidden.append(final)
        out = {
            "attn.c_proj": torch.stack(attn_out),
            "mlp.c_proj": torch.stack(mlp_out),
            "hidden_states": torch.stack(hidden),
            "input_ids": input_ids,
        }
        if logits:
            out["logits"] = torch.matmul(final, w["wte.weight"].t())
    return out


# ---------------------------------------------------------------------------
# compare


def compare_files(path_a, path_b):
    """Return ({name: max abs diff} for tensors with equal shapes, [shape mismatch messages])."""
    a, _ = read_safetensors(path_a)
    b, _ = read_safetensors(path_b)
    diffs, mismatches = {}, []
    for name in sorted(set(a) & set(b)):
        x, y = a[name], b[name]
        if x.shape != y.shape:
            mismatches.append(f"{name}: shape {list(x.shape)} in {path_a} vs {list(y.shape)} in {path_b}")
            continue
        if x.size == 0:
            diffs[name] = 0.0
            continue
        x64 = x.astype(np.float64)
        y64 = y.astype(np.float64)
        diff = np.abs(x64 - y64)
        # NaN in either file counts as an infinite difference unless both are NaN at that spot.
        both_nan = np.isnan(x64) & np.isnan(y64)
        diff = np.where(both_nan, 0.0, np.where(np.isnan(diff), np.inf, diff))
        diffs[name] = float(diff.max())
    return diffs, mismatches


# ---------------------------------------------------------------------------
# CLI


def _parse_ids(args):
    if args.ids is not None and args.ids_file is not None:
        raise GPT2ReferenceError("pass either --ids or --ids-file, not both")
    if args.ids is not None:
        try:
            return [int(s) for s in args.ids.replace(" ", "").split(",") if s != ""]
        except ValueError:
            raise GPT2ReferenceError(f"--ids {args.ids!r}: expected comma-separated integers like 464,2068,7586") from None
    if args.ids_file is not None:
        try:
            with open(args.ids_file, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            raise GPT2ReferenceError(f"--ids-file {args.ids_file} not found; check the path") from None
        except json.JSONDecodeError as e:
            raise GPT2ReferenceError(f"--ids-file {args.ids_file}: invalid JSON ({e})") from None
        if isinstance(data, dict):
            for key in ("input_ids", "ids"):
                if key in data:
                    data = data[key]
                    break
        if not isinstance(data, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in data):
            raise GPT2ReferenceError(
                f"--ids-file {args.ids_file}: expected a JSON list of integers "
                "(or an object with an \"input_ids\" or \"ids\" list)")
        return data
    raise GPT2ReferenceError("no input: pass --ids 1,2,3 or --ids-file ids.json")


def _parser():
    p = argparse.ArgumentParser(
        prog="gpt2_reference.py",
        description="Independent PyTorch GPT-2 reference: writes attn/mlp c_proj taps and hidden states.")
    p.add_argument("--model", help="Hugging Face GPT-2 checkpoint dir (config.json + model.safetensors[.index.json])")
    p.add_argument("--ids", help="comma-separated token ids, e.g. 464,2068,7586")
    p.add_argument("--ids-file", help="JSON file with a list of token ids (or {\"input_ids\": [...]})")
    p.add_argument("--out", help="output .safetensors path")
    p.add_argument("--logits", action="store_true", help="also compute logits [T,V] with the tied LM head")
    p.add_argument("--threads", type=int, help="torch.set_num_threads(N)")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="print max abs diff per common tensor as JSON")
    p.add_argument("--tol", type=float, help="with --compare: exit 1 if any difference exceeds TOL")
    p.add_argument("--bench", action="store_true", help="time the forward pass; prints JSON")
    p.add_argument("--repeat", type=int, default=5, help="with --bench: number of timed runs (default 5)")
    return p


def _run(args):
    if args.threads is not None:
        if args.threads < 1:
            raise GPT2ReferenceError(f"--threads {args.threads}: must be at least 1")
        torch.set_num_threads(args.threads)

    if args.compare:
        diffs, mismatches = compare_files(*args.compare)
        print(json.dumps(diffs))
        for m in mismatches:
            print(f"{PROG}: shape mismatch: {m}", file=sys.stderr)
        if mismatches:
            return 1
        if args.tol is not None:
            over = {k: v for k, v in diffs.items() if not v <= args.tol}
            if over:
                print(f"{PROG}: tolerance {args.tol} exceeded by {', '.join(sorted(over))}", file=sys.stderr)
                return 1
        return 0

    if not args.model:
        raise GPT2ReferenceError("--model DIR is required (or use --compare A B)")
    ids = _parse_ids(args)
    cfg, weights = load_checkpoint(args.model)

    if args.bench:
        if args.repeat < 1:
            raise GPT2ReferenceError(f"--repeat {args.repeat}: must be at least 1")
        forward(cfg, weights, ids, logits=args.logits)  # warm-up
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            forward(cfg, weights, ids, logits=args.logits)
            times.append(time.perf_counter() - start)
        print(json.dumps({
            "median_s": statistics.median(times),
            "min_s": min(times),
            "max_s": max(times),
            "repeat": args.repeat,
            "threads": torch.get_num_threads(),
            "tokens": len(ids),
            "n_layer": cfg["n_layer"],
            "n_embd": cfg["n_embd"],
            "logits": bool(args.logits),
            "torch": torch.__version__,
        }))
        return 0

    if not args.out:
        raise GPT2ReferenceError("--out OUT.safetensors is required")
    out = forward(cfg, weights, ids, logits=args.logits)
    arrays = {k: v.numpy() for k, v in out.items()}
    try:
        write_safetensors(args.out, arrays, metadata={
            "producer": "reference/gpt2_reference.py",
            "model": os.path.abspath(args.model),
            "n_layer": cfg["n_layer"],
            "n_embd": cfg["n_embd"],
            "torch": torch.__version__,
        })
    except OSError as e:
        raise GPT2ReferenceError(f"cannot write {args.out}: {e.strerror}; check the directory exists and is writable") from None
    return 0


def main(argv=None):
    """Run the CLI with argv (default sys.argv[1:]); return the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except GPT2ReferenceError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
