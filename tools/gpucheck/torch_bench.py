#!/usr/bin/env python3
"""Time with PyTorch the forward pass that a Go capture benchmark timed, and report the ratio.

Reads the JSON that BenchmarkCaptureGPT2Large wrote (-gpucheck.json): the checkpoint directory, the
token ids and the Go timings. On the same device it then times the same capture, a forward pass whose
attention and MLP writes, hidden states and per-(layer, token) cosine end up on the host:

  reference     reference/gpt2_reference.py's forward(), the oracle of the Go tests, in float32
  transformers  Hugging Face's GPT2Model (SDPA attention), with forward hooks on every attn.c_proj and
                mlp.c_proj and output_hidden_states=True; only when transformers can be imported

and prints, for each, the median time and the ratio Go / PyTorch (above 1: Go is slower). With --out it
writes everything as JSON.

    python3 tools/gpucheck/torch_bench.py --go-result go_bench.json [--device cuda] [--repeat 10] \
        [--out torch_bench.json] [--no-transformers]

PyTorch matmuls run in full float32 (torch.backends.cuda.matmul.allow_tf32 = False, PyTorch's default),
while XLA may use TF32 on NVIDIA GPUs: --tf32 lets PyTorch do the same. Errors: one line on stderr, exit 2.
"""

import argparse
import json
import os
import statistics
import sys
import time

PROG = "torch_bench"


class BenchError(Exception):
    """A problem with the inputs, reported as one line."""


def _import_reference(path):
    sys.path.insert(0, path)
    try:
        import gpt2_reference  # noqa: E402  (the repository's PyTorch reference)
    except ImportError as e:
        raise BenchError(f"cannot import gpt2_reference from {path} ({e}); pass --reference-dir DIR") from None
    finally:
        sys.path.pop(0)
    return gpt2_reference


def _sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time(torch, device, fn, repeat):
    """Run fn once to warm up, then repeat times; return the seconds of each timed run."""
    fn()
    _sync(torch, device)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        _sync(torch, device)
        times.append(time.perf_counter() - start)
    return times


def _to_host(torch, attn, mlp, hidden):
    """What a capture returns: the three stacks and the cosine of attn and mlp per (layer, token), on the host."""
    cos = torch.nn.functional.cosine_similarity(attn, mlp, dim=-1)
    return [x.to("cpu") for x in (attn, mlp, hidden, cos)]


def bench_reference(torch, ref, model_dir, ids, device, repeat):
    cfg, weights = ref.load_checkpoint(model_dir)
    weights = {k: v.to(device) for k, v in weights.items()}
    if device.type != "cpu":
        # forward() creates its causal mask and index tensors with factory functions: make them on device.
        if not hasattr(torch, "set_default_device"):
            raise BenchError(f"PyTorch {torch.__version__} cannot run the reference on {device}: it needs torch >= 2.0")
        torch.set_default_device(device)

    def capture():
        out = ref.forward(cfg, weights, ids)
        return _to_host(torch, out["attn.c_proj"], out["mlp.c_proj"], out["hidden_states"])

    try:
        times = _time(torch, device, capture, repeat)
    finally:
        if device.type != "cpu":
            torch.set_default_device("cpu")
    del weights
    return times


def bench_transformers(torch, model_dir, ids, device, repeat):
    from transformers import GPT2Model  # optional

    model = GPT2Model.from_pretrained(model_dir, torch_dtype=torch.float32).to(device).eval()
    layers = len(model.h)
    attn, mlp = [None] * layers, [None] * layers

    def keep(store, l):
        def hook(_module, _inputs, output):
            store[l] = output
        return hook

    for l, block in enumerate(model.h):
        block.attn.c_proj.register_forward_hook(keep(attn, l))
        block.mlp.c_proj.register_forward_hook(keep(mlp, l))
    input_ids = torch.tensor([ids], dtype=torch.int64, device=device)

    def capture():
        with torch.no_grad():
            out = model(input_ids, output_hidden_states=True)
            return _to_host(torch, torch.stack(attn)[:, 0], torch.stack(mlp)[:, 0], torch.stack(out.hidden_states)[:, 0])

    times = _time(torch, device, capture, repeat)
    impl = getattr(model.config, "_attn_implementation", "unknown")
    del model
    return times, impl


def _summary(times):
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "runs_s": times}


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument("--go-result", required=True, help="JSON written by BenchmarkCaptureGPT2Large (-gpucheck.json)")
    p.add_argument("--device", default="cuda", help="torch device: cuda (default), cuda:1, cpu")
    p.add_argument("--repeat", type=int, default=10, help="timed runs after one warm-up (default 10)")
    p.add_argument("--out", help="write the results as JSON to this file")
    p.add_argument("--reference-dir", default=os.path.join(here, "..", "..", "reference"),
                   help="directory of gpt2_reference.py (default: the repository's reference/)")
    p.add_argument("--no-transformers", action="store_true", help="do not time Hugging Face's GPT2Model")
    p.add_argument("--tf32", action="store_true", help="allow TF32 matmuls on NVIDIA GPUs, as XLA may use")
    p.add_argument("--threads", type=int, help="torch.set_num_threads(N) (CPU runs)")
    args = p.parse_args(argv)
    try:
        return _run(args)
    except BenchError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2


def _run(args):
    if args.repeat < 1:
        raise BenchError(f"--repeat {args.repeat}: must be at least 1")
    try:
        with open(args.go_result) as f:
            go = json.load(f)
    except json.JSONDecodeError as e:
        raise BenchError(f"{args.go_result} is not JSON ({e}); pass the file BenchmarkCaptureGPT2Large wrote") from None
    for key in ("checkpoint", "input_ids", "median_s", "backend"):
        if key not in go:
            raise BenchError(f"{args.go_result} has no {key!r}: pass the file BenchmarkCaptureGPT2Large wrote with -gpucheck.json")
    model_dir, ids = go["checkpoint"], go["input_ids"]
    if not os.path.isfile(os.path.join(model_dir, "config.json")):
        raise BenchError(f"checkpoint {model_dir} (from {args.go_result}) is gone: run the Go benchmark with -gpucheck.dir DIR to keep it")

    import torch

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BenchError("PyTorch sees no CUDA device: run on the GPU machine, or pass --device cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    ref = _import_reference(os.path.abspath(args.reference_dir))

    n = torch.get_num_threads()
    dev_name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {n} thread{'' if n == 1 else 's'}"
    result = {
        "torch": torch.__version__,
        "device": str(device),
        "device_name": dev_name,
        "tf32": args.tf32,
        "tokens": len(ids),
        "checkpoint": model_dir,
        "go": {k: go[k] for k in ("backend", "device", "model", "load_s", "first_run_s", "median_s") if k in go},
        "pytorch": {},
    }
    result["pytorch"]["reference"] = _summary(bench_reference(torch, ref, model_dir, ids, device, args.repeat))
    if device.type == "cuda":
        torch.cuda.empty_cache()
    if not args.no_transformers:
        try:
            times, impl = bench_transformers(torch, model_dir, ids, device, args.repeat)
            result["pytorch"]["transformers"] = dict(_summary(times), attn_implementation=impl)
        except ImportError as e:
            result["pytorch"]["transformers"] = {"skipped": f"transformers not importable ({e})"}

    go_median = go["median_s"]
    print(f"Go capture ({go['backend']}: {go.get('device', '?')}): median {go_median:.4f}s"
          f" [load {go.get('load_s', float('nan')):.2f}s, first capture with compilation {go.get('first_run_s', float('nan')):.2f}s]")
    for name, r in result["pytorch"].items():
        if "median_s" in r:
            r["ratio_go_over_torch"] = go_median / r["median_s"]
            print(f"PyTorch {torch.__version__} {name} on {dev_name}: median {r['median_s']:.4f}s; "
                  f"Go / PyTorch = {r['ratio_go_over_torch']:.2f}")
        else:
            print(f"PyTorch {name}: {r['skipped']}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
