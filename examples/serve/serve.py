#!/usr/bin/env python3
"""Reference model server for Superfactory services: the small GPT of examples/train/train.py over HTTP.

One process = one replica. stdlib http.server + torch only. It loads a checkpoint written by train.py when one is
given (--checkpoint DIR or SUPERFACTORY_SERVE_CHECKPOINT: a checkpoint folder holding `latest`/step-N, or one
step-N folder), else it serves the model as randomly initialised (seeded: every replica answers the same).

  GET  /healthz       -> {"status": "ok", "model", "params", "inflight", "served", "checkpointStep", "site"}
  POST /v1/generate   {"prompt": "text", "maxTokens": 16}
                      -> 200, Transfer-Encoding: chunked, application/x-ndjson: one line per token
                         {"index": i, "id": token id, "token": "c", "atMs": ms since the request arrived},
                         then {"done": true, "promptTokens", "outputTokens", "ttftMs", "tpotMs"} (the
                         replica's own timings; a caller's TTFT minus the first line's atMs is the network's share)

Tokens are characters: the reference model has a 128-token vocabulary, one per ASCII code. Decoding is greedy
(deterministic). The context is the model's window (--seq tokens): longer prompts keep their last --seq tokens.
SUPERFACTORY_SERVE_TOKEN_DELAY_S adds a fixed wait per output token (tests use it to stand for a bigger model;
0 by default). The control plane gives the port in SUPERFACTORY_SERVE_PORT and the address to bind in
SUPERFACTORY_SERVE_HOST (default 127.0.0.1).
"""
import argparse, json, os, signal, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from train import GPT  # noqa: E402  the reference model, one definition

MAX_BODY_BYTES = 64 * 1024
MAX_OUTPUT_TOKENS = 1024


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default=os.environ.get("SUPERFACTORY_SERVE_HOST") or "127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("SUPERFACTORY_SERVE_PORT") or 0))
    p.add_argument("--checkpoint", default=os.environ.get("SUPERFACTORY_SERVE_CHECKPOINT") or None)
    # the trainer's defaults: a checkpoint of train.py loads into the same shapes
    p.add_argument("--seq", type=int, default=32)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=256)
    p.add_argument("--vocab", type=int, default=128)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--token-delay-s", type=float, default=float(os.environ.get("SUPERFACTORY_SERVE_TOKEN_DELAY_S") or 0))
    return p.parse_args()


def checkpoint_step_dir(path):
    """A step-N folder: the one given, or the one `latest` names (else the highest complete step-N)."""
    if os.path.exists(os.path.join(path, "manifest.json")):
        return path
    latest = os.path.join(path, "latest")
    if os.path.exists(latest):
        with open(latest) as f:
            return os.path.join(path, f.read().strip())
    steps = [int(n[5:]) for n in os.listdir(path) if n.startswith("step-") and
             os.path.exists(os.path.join(path, n, "manifest.json"))]
    if not steps:
        raise SystemExit(f"--checkpoint {path}: no step-N folder with a manifest.json (write one with train.py)")
    return os.path.join(path, f"step-{max(steps)}")


def load_weights(model, path):
    """Merges train.py's shards (rank r holds every W-th tensor) and loads the model's part; returns the step."""
    d = checkpoint_step_dir(path)
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    st = {}
    for r in range(man["shards"]):
        st.update(torch.load(os.path.join(d, f"shard-{r}.pt")))
    weights = {k[6:]: v for k, v in st.items() if k.startswith("model.")}
    missing, _ = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if m not in ("pe", "mask")]
    if missing:
        raise SystemExit(f"--checkpoint {path}: tensors missing for {missing[:3]} (model shape differs from --layers/--hidden?)")
    return man["step"]


class Replica:
    def __init__(self, args):
        self.args = args
        torch.manual_seed(args.seed)
        self.model = GPT(args).eval()
        self.step = load_weights(self.model, args.checkpoint) if args.checkpoint else None
        self.params = sum(p.numel() for p in self.model.parameters())
        self.next_token([0] * args.seq)  # warm up before /healthz says ok: the first forward pays one-time setup
        self.lock = threading.Lock()
        self.inflight = 0
        self.served = 0

    def encode(self, text):
        return [ord(c) % self.args.vocab for c in text]

    @torch.no_grad()
    def next_token(self, ids):
        window = torch.tensor([ids[-self.args.seq:]], dtype=torch.long)
        return int(self.model(window)[0, -1].argmax())

    def health(self):
        with self.lock:
            inflight, served = self.inflight, self.served
        return {"status": "ok", "model": "reference", "params": self.params, "inflight": inflight,
                "served": served, "checkpointStep": self.step, "site": os.environ.get("SUPERFACTORY_SITE", "")}


def bad_request(handler, path, message, hint):
    body = json.dumps({"errors": [{"path": path, "message": message, "hint": hint}]}).encode()
    handler.send_response(400)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def read_generate_body(handler):
    """The request body as (prompt, maxTokens), or None after answering 400 naming the field."""
    n = int(handler.headers.get("Content-Length") or 0)
    if n <= 0 or n > MAX_BODY_BYTES:
        bad_request(handler, "(body)", f"body of {n} bytes", f"send a JSON object of at most {MAX_BODY_BYTES} bytes")
        return None
    try:
        body = json.loads(handler.rfile.read(n))
    except ValueError as e:
        bad_request(handler, "(body)", f"not JSON: {e}", 'send {"prompt": "text", "maxTokens": 16}')
        return None
    if not isinstance(body, dict):
        bad_request(handler, "(body)", "not a JSON object", 'send {"prompt": "text", "maxTokens": 16}')
        return None
    prompt, max_tokens = body.get("prompt"), body.get("maxTokens", 16)
    if not isinstance(prompt, str) or not prompt:
        bad_request(handler, "prompt", "missing or not a non-empty string", 'send "prompt": "some text"')
        return None
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 1 <= max_tokens <= MAX_OUTPUT_TOKENS:
        bad_request(handler, "maxTokens", f"{max_tokens!r} is not an integer from 1 to {MAX_OUTPUT_TOKENS}",
                    f"send an integer from 1 to {MAX_OUTPUT_TOKENS}")
        return None
    return prompt, max_tokens


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the headers and each token line go out at once (with Nagle, a token line waits for the ACK of
    # the segment before it: up to a round trip, or the caller's 40 ms delayed ACK, added to TTFT and TPOT)
    disable_nagle_algorithm = True
    replica = None  # set in main()

    def log_message(self, fmt, *a):  # one line per request on stderr is noise for a replica; errors still print
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, obj):
        data = (json.dumps(obj) + "\n").encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def do_GET(self):
        if self.path == "/healthz":
            self.send_json(200, self.replica.health())
        else:
            self.send_json(404, {"error": "not_found", "message": f"no route GET {self.path}"})

    def do_POST(self):
        arrived = time.perf_counter()  # before the body is read: atMs covers all the replica's own time
        if self.path != "/v1/generate":
            self.send_json(404, {"error": "not_found", "message": f"no route POST {self.path}"})
            return
        parsed = read_generate_body(self)
        if parsed is None:
            return
        prompt, max_tokens = parsed
        r = self.replica
        with r.lock:
            r.inflight += 1
        try:
            self.generate(r, prompt, max_tokens, arrived)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the caller (the router) went away: stop generating for it
        finally:
            with r.lock:
                r.inflight -= 1
                r.served += 1

    def generate(self, r, prompt, max_tokens, arrived):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        ids = r.encode(prompt)
        t0 = time.perf_counter()
        first = None
        for i in range(max_tokens):
            tok = r.next_token(ids)  # the first call is the prefill of the prompt's window
            if r.args.token_delay_s > 0:
                time.sleep(r.args.token_delay_s)
            ids.append(tok)
            if first is None:
                first = time.perf_counter()
            self.chunk({"index": i, "id": tok, "token": chr(tok),
                        "atMs": round((time.perf_counter() - arrived) * 1000, 3)})
        end = time.perf_counter()
        tpot = (end - first) / (max_tokens - 1) * 1000 if max_tokens > 1 else 0.0
        self.chunk({"done": True, "promptTokens": len(prompt), "outputTokens": max_tokens,
                    "ttftMs": round((first - t0) * 1000, 3), "tpotMs": round(tpot, 3)})
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def main():
    args = parse_args()
    if int(os.environ.get("LOCAL_RANK") or 0) > 0:
        signal.pause()  # a replica of several GPUs: rank 0 serves, the others hold their GPU (no port of their own)
    torch.set_num_threads(1)  # one core per replica: several replicas share a small machine
    Handler.replica = Replica(args)
    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    srv.daemon_threads = True
    host, port = srv.server_address[:2]
    print(json.dumps({"event": "serving", "host": host, "port": port, "params": Handler.replica.params,
                      "checkpointStep": Handler.replica.step}), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
