"""Tests for reference/gpt2_reference.py.

Run with: /usr/bin/python3 -m unittest reference/test_gpt2_reference.py

The tests build tiny random GPT-2 checkpoints (2 layers, n_embd 16, 4 heads,
vocab 50, 8 positions) with a safetensors writer of their own, in F32, F16 and
BF16, with and without the "transformer." prefix, single-file and sharded, and
check the reference forward pass against a deliberately naive float64
implementation (explicit per-token and per-head loops in NumPy).
"""

import contextlib
import io
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_reference as ref  # noqa: E402

N_LAYER, N_EMBD, N_HEAD, VOCAB, N_POS = 2, 16, 4, 50, 8
N_INNER = 4 * N_EMBD
IDS = [3, 17, 42, 0, 49, 8, 23]


# ---------------------------------------------------------------------------
# the test's own safetensors writer and dtype encoders (independent of ref)


def encode(values, dtype):
    """Return (raw little-endian bytes, float64 values as stored) for a float32 array."""
    f32 = np.asarray(values, dtype=np.float32)
    if dtype == "F32":
        return f32.astype("<f4").tobytes(), f32.astype(np.float64)
    if dtype == "F16":
        f16 = f32.astype("<f2")
        return f16.tobytes(), f16.astype(np.float64)
    if dtype == "BF16":
        # Round to nearest even on the upper 16 bits of the float32 pattern.
        bits = f32.reshape(-1).view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
        stored = rounded.astype(np.uint32).view(np.float32).reshape(f32.shape)
        upper = (rounded >> 16).astype("<u2")
        return upper.tobytes(), stored.astype(np.float64)
    raise ValueError(dtype)


def write_st(path, entries, metadata=None, pad=True):
    """entries: list of (name, dtype, shape, raw bytes)."""
    header, offset = {}, 0
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for _, _, _, raw in entries:
            f.write(raw)


def parse_st(path):
    """Minimal independent reader: returns {name: (dtype, shape, raw)} and metadata."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        out[name] = (info["dtype"], info["shape"], data[8 + n + b:8 + n + e])
    return out, meta


def random_weights(seed):
    rng = np.random.default_rng(seed)
    w = {
        "wte.weight": rng.normal(0, 0.5, (VOCAB, N_EMBD)),
        "wpe.weight": rng.normal(0, 0.3, (N_POS, N_EMBD)),
        "ln_f.weight": 1 + 0.2 * rng.normal(size=N_EMBD),
        "ln_f.bias": 0.1 * rng.normal(size=N_EMBD),
    }
    for l in range(N_LAYER):
        p = f"h.{l}."
        w[p + "ln_1.weight"] = 1 + 0.2 * rng.normal(size=N_EMBD)
        w[p + "ln_1.bias"] = 0.1 * rng.normal(size=N_EMBD)
        w[p + "attn.c_attn.weight"] = rng.normal(0, 0.4, (N_EMBD, 3 * N_EMBD))
        w[p + "attn.c_attn.bias"] = 0.1 * rng.normal(size=3 * N_EMBD)
        w[p + "attn.c_proj.weight"] = rng.normal(0, 0.25, (N_EMBD, N_EMBD))
        w[p + "attn.c_proj.bias"] = 0.1 * rng.normal(size=N_EMBD)
        w[p + "ln_2.weight"] = 1 + 0.2 * rng.normal(size=N_EMBD)
        w[p + "ln_2.bias"] = 0.1 * rng.normal(size=N_EMBD)
        w[p + "mlp.c_fc.weight"] = rng.normal(0, 0.3, (N_EMBD, N_INNER))
        w[p + "mlp.c_fc.bias"] = 0.1 * rng.normal(size=N_INNER)
        w[p + "mlp.c_proj.weight"] = rng.normal(0, 0.15, (N_INNER, N_EMBD))
        w[p + "mlp.c_proj.bias"] = 0.1 * rng.normal(size=N_EMBD)
    return {k: v.astype(np.float32) for k, v in w.items()}


def build_checkpoint(directory, weights, dtype="F32", prefix=False, sharded=False, eps=None, extras=True):
    """Write config.json and weights; return the float64 weights as actually stored."""
    os.makedirs(directory, exist_ok=True)
    config = {
        "model_type": "gpt2", "n_layer": N_LAYER, "n_embd": N_EMBD, "n_head": N_HEAD,
        "vocab_size": VOCAB, "n_positions": N_POS, "n_ctx": N_POS, "n_inner": None,
        "activation_function": "gelu_new",
    }
    if eps is not None:
        config["layer_norm_epsilon"] = eps
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f)
    stored, entries = {}, []
    pre = "transformer." if prefix else ""
    for name, value in weights.items():
        raw, stored[name] = encode(value, dtype)
        entries.append((pre + name, dtype, value.shape, raw))
    if extras:
        # Buffers and head that the loader must ignore, in dtypes it does not decode.
        mask = np.tril(np.ones((1, 1, N_POS, N_POS), dtype=np.bool_))
        for l in range(N_LAYER):
            entries.append((f"{pre}h.{l}.attn.bias", "BOOL", mask.shape, mask.tobytes()))
            entries.append((f"{pre}h.{l}.attn.masked_bias", "F32", (), np.float32(-1e4).tobytes()))
        entries.append(("lm_head.weight", "I32", (VOCAB, N_EMBD), np.zeros((VOCAB, N_EMBD), "<i4").tobytes()))
    if not sharded:
        write_st(os.path.join(directory, "model.safetensors"), entries, {"format": "pt"})
    else:
        half = len(entries) // 2
        shards = {"model-00001-of-00002.safetensors": entries[:half],
                  "model-00002-of-00002.safetensors": entries[half:]}
        weight_map = {}
        for fname, part in shards.items():
            write_st(os.path.join(directory, fname), part, {"format": "pt"})
            weight_map.update({e[0]: fname for e in part})
        with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)
    return stored


# ---------------------------------------------------------------------------
# naive float64 GPT-2, one token and one head at a time


def naive_layer_norm(vec, gain, bias, eps):
    n = len(vec)
    mean = sum(vec) / n
    var = sum((v - mean) ** 2 for v in vec) / n
    return np.array([(vec[i] - mean) / math.sqrt(var + eps) * gain[i] + bias[i] for i in range(n)])


def naive_gelu(u):
    return np.array([0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z * z * z))) for z in u])


def naive_gpt2(w, ids, eps):
    hd = N_EMBD // N_HEAD
    stream = [w["wte.weight"][tok] + w["wpe.weight"][pos] for pos, tok in enumerate(ids)]
    hidden, attn, mlp = [], [], []
    for l in range(N_LAYER):
        p = f"h.{l}."
        hidden.append([s.copy() for s in stream])
        qs, ks, vs = [], [], []
        for s in stream:
            h = naive_layer_norm(s, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
            qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
            qs.append(qkv[:N_EMBD])
            ks.append(qkv[N_EMBD:2 * N_EMBD])
            vs.append(qkv[2 * N_EMBD:])
        attn_l = []
        for t in range(len(ids)):
            merged = np.zeros(N_EMBD)
            for head in range(N_HEAD):
                sl = slice(head * hd, (head + 1) * hd)
                scores = [float(np.dot(qs[t][sl], ks[j][sl])) / math.sqrt(hd) for j in range(t + 1)]
                top = max(scores)
                exps = [math.exp(sc - top) for sc in scores]
                total = sum(exps)
                for j in range(t + 1):
                    merged[sl] += exps[j] / total * vs[j][sl]
            attn_l.append(merged @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"])
        stream = [s + a for s, a in zip(stream, attn_l)]
        mlp_l = []
        for s in stream:
            h = naive_layer_norm(s, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
            u = naive_gelu(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
            mlp_l.append(u @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"])
        stream = [s + m for s, m in zip(stream, mlp_l)]
        attn.append(attn_l)
        mlp.append(mlp_l)
    final = [naive_layer_norm(s, w["ln_f.weight"], w["ln_f.bias"], eps) for s in stream]
    hidden.append(final)
    logits = [[float(np.dot(f, w["wte.weight"][v])) for v in range(VOCAB)] for f in final]
    return {
        "attn.c_proj": np.array(attn),
        "mlp.c_proj": np.array(mlp),
        "hidden_states": np.array(hidden),
        "logits": np.array(logits),
    }


def run_main(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = ref.main(argv)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------


class SafetensorsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_round_trip_own_writer(self):
        arrays = {
            "f32": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
            "f16": (np.arange(6, dtype=np.float16) - 2.5).reshape(2, 3),
            "i64": np.array([1, -2, 1 << 40], dtype=np.int64),
            "u8": np.array([0, 255], dtype=np.uint8),
            "flag": np.array([True, False]),
            "scalar": np.float32(3.5).reshape(()),
            "empty": np.zeros((0, 4), dtype=np.float32),
        }
        path = os.path.join(self.dir, "a.safetensors")
        ref.write_safetensors(path, arrays, {"k": 1})
        got, meta = ref.read_safetensors(path)
        self.assertEqual(meta, {"k": "1"})
        self.assertEqual(set(got), set(arrays))
        for name, want in arrays.items():
            self.assertEqual(got[name].dtype, want.dtype, name)
            self.assertEqual(got[name].shape, want.shape, name)
            np.testing.assert_array_equal(got[name], want, err_msg=name)
        # The file layout as seen by an independent parser: 8-byte aligned header, contiguous data.
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
        self.assertEqual(n % 8, 0)
        parsed, _ = parse_st(path)
        self.assertEqual(parsed["i64"][0], "I64")
        self.assertEqual(parsed["f16"][0], "F16")
        self.assertEqual(parsed["flag"][0], "BOOL")
        self.assertEqual(struct.unpack("<3q", parsed["i64"][2]), (1, -2, 1 << 40))
        total = sum(len(v[2]) for v in parsed.values())
        self.assertEqual(os.path.getsize(path), 8 + n + total)

    def test_read_foreign_file_with_bf16(self):
        # bf16 bit patterns: 1.0, -2.0, 0.15625, -inf
        bf16 = struct.pack("<4H", 0x3F80, 0xC000, 0x3E20, 0xFF80)
        f16 = struct.pack("<2e", 0.5, -1024.0)
        path = os.path.join(self.dir, "b.safetensors")
        write_st(path, [("b", "BF16", [2, 2], bf16), ("h", "F16", [2], f16)], metadata=None, pad=False)
        got, meta = ref.read_safetensors(path, to_float32=True)
        self.assertEqual(meta, {})
        self.assertEqual(got["b"].dtype, np.float32)
        np.testing.assert_array_equal(got["b"], np.array([[1.0, -2.0], [0.15625, -np.inf]], np.float32))
        np.testing.assert_array_equal(got["h"], np.array([0.5, -1024.0], np.float32))
        self.assertEqual(got["h"].dtype, np.float32)

    def test_bf16_encoder_rounds_to_nearest_even(self):
        raw, stored = encode(np.array([1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, 1.0 + 2 ** -9], np.float32), "BF16")
        # Ties go to even mantissa; below-half rounds down.
        np.testing.assert_array_equal(stored, [1.0, 1.0 + 2 ** -6, 1.0])
        self.assertEqual(struct.unpack("<3H", raw), (0x3F80, 0x3F82, 0x3F80))

    def test_corrupt_files_are_rejected(self):
        cases = {
            "short": b"\x01\x02",
            "huge_header": (10 ** 6).to_bytes(8, "little") + b"{}",
            "bad_json": (3).to_bytes(8, "little") + b"{x}",
            "bad_offsets": (lambda h: len(h).to_bytes(8, "little") + h + b"\0" * 4)(
                json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()),
            "bad_dtype": (lambda h: len(h).to_bytes(8, "little") + h + b"\0" * 4)(
                json.dumps({"a": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}).encode()),
        }
        for name, blob in cases.items():
            with self.subTest(name):
                path = os.path.join(self.dir, name)
                with open(path, "wb") as f:
                    f.write(blob)
                with self.assertRaises(ref.GPT2ReferenceError):
                    ref.read_safetensors(path)


class ForwardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.weights = random_weights(7)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def model(self, name, **kw):
        d = os.path.join(self.tmp.name, name)
        stored = build_checkpoint(d, self.weights, **kw)
        return d, stored

    def test_variants_match_naive(self):
        variants = {
            "f32": dict(dtype="F32"),
            "f16_prefixed": dict(dtype="F16", prefix=True, eps=1e-3),
            "bf16_sharded": dict(dtype="BF16", sharded=True),
            "f32_prefixed_sharded": dict(dtype="F32", prefix=True, sharded=True, eps=1e-5),
        }
        for name, kw in variants.items():
            with self.subTest(name):
                d, stored = self.model(name, **kw)
                cfg, w = ref.load_checkpoint(d)
                eps = kw.get("eps") or 1e-5
                self.assertEqual(cfg["layer_norm_epsilon"], eps)
                for k, v in stored.items():
                    np.testing.assert_array_equal(w[k].numpy(), v.astype(np.float32), err_msg=k)
                got = ref.forward(cfg, w, IDS, logits=True)
                want = naive_gpt2(stored, IDS, eps)
                T = len(IDS)
                self.assertEqual(tuple(got["attn.c_proj"].shape), (N_LAYER, T, N_EMBD))
                self.assertEqual(tuple(got["mlp.c_proj"].shape), (N_LAYER, T, N_EMBD))
                self.assertEqual(tuple(got["hidden_states"].shape), (N_LAYER + 1, T, N_EMBD))
                self.assertEqual(tuple(got["logits"].shape), (T, VOCAB))
                self.assertEqual(got["input_ids"].tolist(), IDS)
                for key in ("attn.c_proj", "mlp.c_proj", "hidden_states", "logits"):
                    self.assertEqual(got[key].dtype, ref.torch.float32)
                    np.testing.assert_allclose(got[key].numpy(), want[key], rtol=0, atol=1e-5, err_msg=key)

    def test_epsilon_matters(self):
        # Guards the test above: the wrong epsilon must be detectable at 1e-5.
        d, stored = self.model("eps", dtype="F32", eps=1e-3)
        cfg, w = ref.load_checkpoint(d)
        got = ref.forward(cfg, w, IDS)["hidden_states"].numpy()
        wrong = naive_gpt2(stored, IDS, 1e-5)["hidden_states"]
        self.assertGreater(np.abs(got - wrong).max(), 1e-4)

    def test_residual_identity_and_final_layer_norm(self):
        d, _ = self.model("resid", dtype="F32", eps=1e-5)
        cfg, w = ref.load_checkpoint(d)
        got = {k: v.double() for k, v in ref.forward(cfg, w, IDS).items() if k != "input_ids"}
        hs, a, m = got["hidden_states"], got["attn.c_proj"], got["mlp.c_proj"]
        embed = w["wte.weight"][IDS].double() + w["wpe.weight"][:len(IDS)].double()
        np.testing.assert_allclose(hs[0].numpy(), embed.numpy(), atol=1e-6)
        for l in range(N_LAYER - 1):
            np.testing.assert_allclose(hs[l + 1].numpy(), (hs[l] + a[l] + m[l]).numpy(), atol=1e-5, err_msg=str(l))
        last = hs[N_LAYER - 1] + a[N_LAYER - 1] + m[N_LAYER - 1]
        lnf = ref.torch.nn.functional.layer_norm(
            last, (N_EMBD,), w["ln_f.weight"].double(), w["ln_f.bias"].double(), 1e-5)
        np.testing.assert_allclose(hs[N_LAYER].numpy(), lnf.numpy(), atol=1e-5)
        # The final entry is normalized, not the raw residual.
        self.assertGreater((hs[N_LAYER] - last).abs().max().item(), 1e-2)

    def test_causality(self):
        d, _ = self.model("causal", dtype="F32")
        cfg, w = ref.load_checkpoint(d)
        a = ref.forward(cfg, w, IDS, logits=True)
        changed = IDS[:-1] + [(IDS[-1] + 1) % VOCAB]
        b = ref.forward(cfg, w, changed, logits=True)
        for key in ("attn.c_proj", "mlp.c_proj", "hidden_states"):
            x, y = a[key].numpy(), b[key].numpy()
            np.testing.assert_allclose(x[:, :-1], y[:, :-1], rtol=0, atol=1e-6, err_msg=key)
            self.assertGreater(np.abs(x[:, -1] - y[:, -1]).max(), 1e-3, key)
        np.testing.assert_allclose(a["logits"][:-1].numpy(), b["logits"][:-1].numpy(), rtol=0, atol=1e-6)
        # A prefix gives the same taps as the full sequence at the shared positions.
        c = ref.forward(cfg, w, IDS[:3])
        np.testing.assert_allclose(c["attn.c_proj"].numpy(), a["attn.c_proj"][:, :3].numpy(), rtol=0, atol=1e-6)


class CLITest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model = os.path.join(cls.tmp.name, "model")
        cls.stored = build_checkpoint(cls.model, random_weights(11), dtype="BF16", prefix=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_write_and_compare(self):
        out = self.path("taps.safetensors")
        code, stdout, stderr = run_main(["--model", self.model, "--ids", "3, 17,42", "--out", out, "--logits",
                                         "--threads", "1"])
        self.assertEqual((code, stdout, stderr), (0, "", ""))
        parsed, meta = parse_st(out)
        self.assertEqual({k: (v[0], v[1]) for k, v in parsed.items()}, {
            "attn.c_proj": ("F32", [N_LAYER, 3, N_EMBD]),
            "mlp.c_proj": ("F32", [N_LAYER, 3, N_EMBD]),
            "hidden_states": ("F32", [N_LAYER + 1, 3, N_EMBD]),
            "input_ids": ("I64", [3]),
            "logits": ("F32", [3, VOCAB]),
        })
        self.assertEqual(meta["n_layer"], str(N_LAYER))
        got, _ = ref.read_safetensors(out)
        want = naive_gpt2(self.stored, [3, 17, 42], 1e-5)
        np.testing.assert_allclose(got["mlp.c_proj"], want["mlp.c_proj"], rtol=0, atol=1e-5)

        # Same ids via --ids-file (object form) and no --logits: identical common tensors.
        ids_file = self.path("ids.json")
        with open(ids_file, "w") as f:
            json.dump({"input_ids": [3, 17, 42]}, f)
        out2 = self.path("taps2.safetensors")
        self.assertEqual(run_main(["--model", self.model, "--ids-file", ids_file, "--out", out2])[0], 0)
        code, stdout, _ = run_main(["--compare", out, out2])
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(stdout),
                         {"attn.c_proj": 0.0, "mlp.c_proj": 0.0, "hidden_states": 0.0, "input_ids": 0.0})

        # A perturbed copy reports the exact difference; --tol turns it into exit 1.
        arrays, _ = ref.read_safetensors(out2)
        arrays["mlp.c_proj"][1, 2, 3] += 0.25
        out3 = self.path("taps3.safetensors")
        ref.write_safetensors(out3, arrays)
        code, stdout, _ = run_main(["--compare", out2, out3])
        self.assertEqual(code, 0)
        diffs = json.loads(stdout)
        self.assertAlmostEqual(diffs["mlp.c_proj"], 0.25, places=6)
        self.assertEqual(diffs["attn.c_proj"], 0.0)
        self.assertEqual(run_main(["--compare", out2, out3, "--tol", "0.3"])[0], 0)
        code, _, stderr = run_main(["--compare", out2, out3, "--tol", "1e-6"])
        self.assertEqual(code, 1)
        self.assertIn("mlp.c_proj", stderr)

        # Different sequence length: shapes differ, exit 1.
        out4 = self.path("taps4.safetensors")
        self.assertEqual(run_main(["--model", self.model, "--ids", "3,17", "--out", out4])[0], 0)
        code, stdout, stderr = run_main(["--compare", out, out4])
        self.assertEqual(code, 1)
        self.assertIn("shape mismatch", stderr)

    def errors(self):
        base = self.path("bad")

        def make(name, mutate=None, **kw):
            d = os.path.join(base, name)
            weights = random_weights(3)
            if mutate:
                mutate(weights)
            build_checkpoint(d, weights, **kw)
            return d

        no_config = make("noconfig")
        os.remove(os.path.join(no_config, "config.json"))
        no_weights = make("noweights")
        os.remove(os.path.join(no_weights, "model.safetensors"))
        missing = make("missing", lambda w: w.pop("h.1.mlp.c_fc.bias"))
        shape = make("shape", lambda w: w.update({"h.0.attn.c_proj.weight": np.zeros((N_EMBD, N_EMBD + 1), np.float32)}))
        dtype_dir = make("dtype")
        entries = [(n, d, s, raw) for n, (d, s, raw) in parse_st(os.path.join(dtype_dir, "model.safetensors"))[0].items()]
        entries = [(n, "I32", s, raw) if n == "ln_f.bias" else (n, d, s, raw) for n, d, s, raw in entries]
        write_st(os.path.join(dtype_dir, "model.safetensors"), entries)
        ok = ["--out", self.path("never.safetensors")]
        return {
            "missing dir": (["--model", os.path.join(base, "nope"), "--ids", "1"] + ok, "does not exist"),
            "missing config": (["--model", no_config, "--ids", "1"] + ok, "config.json"),
            "missing weights": (["--model", no_weights, "--ids", "1"] + ok, "model.safetensors"),
            "missing tensor": (["--model", missing, "--ids", "1"] + ok, "h.1.mlp.c_fc.bias"),
            "wrong shape": (["--model", shape, "--ids", "1"] + ok, "shape [16, 17]"),
            "bad dtype": (["--model", dtype_dir, "--ids", "1"] + ok, "dtype I32"),
            "id out of range": (["--model", self.model, "--ids", f"1,{VOCAB}"] + ok, "outside the vocabulary"),
            "too long": (["--model", self.model, "--ids", ",".join(["1"] * (N_POS + 1))] + ok, "n_positions"),
            "bad ids": (["--model", self.model, "--ids", "1,x"] + ok, "comma-separated"),
            "missing ids file": (["--model", self.model, "--ids-file", self.path("none.json")] + ok, "not found"),
            "no out": (["--model", self.model, "--ids", "1"], "--out"),
            "compare missing": (["--compare", self.path("x"), self.path("y")], "not found"),
        }

    def test_errors_are_one_line_exit_2(self):
        for name, (argv, needle) in self.errors().items():
            with self.subTest(name):
                code, stdout, stderr = run_main(argv)
                self.assertEqual(code, 2, stderr)
                self.assertEqual(stdout, "")
                self.assertEqual(stderr.count("\n"), 1, stderr)
                self.assertTrue(stderr.startswith("gpt2_reference: error: "), stderr)
                self.assertIn(needle, stderr)
        self.assertFalse(os.path.exists(self.path("never.safetensors")))

    def test_script_bench(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpt2_reference.py")
        ids_file = self.path("bench_ids.json")
        with open(ids_file, "w") as f:
            json.dump(IDS, f)
        proc = subprocess.run(
            [sys.executable, script, "--bench", "--model", self.model, "--ids-file", ids_file,
             "--repeat", "3", "--threads", "1"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        result = json.loads(proc.stdout)
        self.assertEqual(result["repeat"], 3)
        self.assertEqual(result["threads"], 1)
        self.assertEqual(result["tokens"], len(IDS))
        self.assertGreater(result["median_s"], 0)
        self.assertLessEqual(result["min_s"], result["median_s"])


if __name__ == "__main__":
    unittest.main()
