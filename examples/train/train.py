#!/usr/bin/env python3
"""Reference trainer for Superfactory: a small GPT trained across sites, one process per rank.

Copy it for your own jobs. It reads the torchrun variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
MASTER_PORT) and the topology the control plane gives every part of a cross-site gang:
  SUPERFACTORY_SITE, SUPERFACTORY_SITE_INDEX, SUPERFACTORY_SITE_COUNT, SUPERFACTORY_SITE_WORLD_SIZES ("2,2"),
  SUPERFACTORY_STRATEGY (single-site | hierarchical-dp | diloco), SUPERFACTORY_DILOCO_H, SUPERFACTORY_DILOCO_BITS,
  SUPERFACTORY_CHECKPOINT_DIR, SUPERFACTORY_PROGRESS_FILE, SUPERFACTORY_WAN_IFACE (optional: the site's WAN link).
gloo on CPU, NCCL on GPUs (the same code; --device auto picks).

Strategies (the exchange is the same bandwidth-optimal reduce-scatter + all-gather the perf model charges,
2 (k-1)/k of the vector per site per exchange):
  hierarchical-dp: every step, gradients are summed inside the site, each local rank exchanges its shard
    with the same local rank of the other sites (fp32), and the shards are gathered back inside the site.
  diloco: H local steps (AdamW, gradients averaged inside the site only), then an outer step: the pseudo-
    gradient (outer params - local params) crosses the WAN quantized to SUPERFACTORY_DILOCO_BITS bits,
    averaged, and applied with Nesterov SGD (DiLoCo, Douillard et al. 2023: outer lr 0.7, momentum 0.9).
Checkpoints are sharded (rank r writes every W-th tensor) and atomic: shards go to .tmp-step-N, then rank 0
renames the folder to step-N and rewrites `latest`; a checkpoint is complete or absent. Resume works with
any world size (the shards are merged by name).
"""
import argparse, json, math, os, sys, time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


def env_int(name, default):
    v = os.environ.get(name)
    return int(v) if v not in (None, "") else default


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=60, help="training steps in all (resumed runs continue to it)")
    p.add_argument("--global-batch", type=int, default=16, help="sequences per step over all ranks")
    p.add_argument("--seq", type=int, default=32)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=256)
    p.add_argument("--vocab", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--checkpoint-every", type=int, default=10)
    p.add_argument("--step-delay", type=float, default=float(os.environ.get("SUPERFACTORY_STEP_DELAY_S") or 0),
                   help="seconds to sleep per step before the exchange (a straggler; env SUPERFACTORY_STEP_DELAY_S)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    return p.parse_args()


# ---- model: a GPT-style decoder (pre-norm, no biases, untied embeddings: the perf model's parameter count) ----

class RMSNorm(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(h))

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)


class Block(nn.Module):
    def __init__(self, h, heads, ffn):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = RMSNorm(h), RMSNorm(h)
        self.qkv = nn.Linear(h, 3 * h, bias=False)
        self.proj = nn.Linear(h, h, bias=False)
        self.up = nn.Linear(h, ffn, bias=False)
        self.down = nn.Linear(ffn, h, bias=False)

    def forward(self, x, mask):
        b, t, h = x.shape
        q, k, v = self.qkv(self.n1(x)).split(h, dim=-1)
        q, k, v = (z.view(b, t, self.heads, h // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(h // self.heads)
        att = att.masked_fill(mask[:t, :t], float("-inf")).softmax(-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, t, h))
        return x + self.down(F.gelu(self.up(self.n2(x))))


class GPT(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.emb = nn.Embedding(a.vocab, a.hidden)
        self.blocks = nn.ModuleList(Block(a.hidden, a.heads, a.ffn) for _ in range(a.layers))
        self.norm = RMSNorm(a.hidden)
        self.head = nn.Linear(a.hidden, a.vocab, bias=False)
        pos = torch.arange(a.seq).unsqueeze(1) / torch.pow(10000, torch.arange(0, a.hidden, 2) / a.hidden)
        pe = torch.zeros(a.seq, a.hidden)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos), torch.cos(pos)
        self.register_buffer("pe", pe)  # fixed sinusoidal positions: no parameters
        self.register_buffer("mask", torch.triu(torch.ones(a.seq, a.seq, dtype=torch.bool), 1))

    def forward(self, idx):
        x = self.emb(idx) + self.pe[: idx.shape[1]]
        for blk in self.blocks:
            x = blk(x, self.mask)
        return self.head(self.norm(x))


# ---- data: a fixed synthetic "language" (a sparse bigram chain), so the loss has somewhere to go ----

def make_chain(vocab, seed):
    g = torch.Generator().manual_seed(seed)
    succ = torch.randint(0, vocab, (vocab, 4), generator=g)  # each token has 4 likely successors
    return succ


def batch_for(step, args, succ, lo, hi):
    """Sequences lo..hi-1 of the global batch of `step` (the same stream whatever the world size)."""
    g = torch.Generator().manual_seed(args.seed * 1_000_003 + step)
    n = args.global_batch
    x = torch.empty(n, args.seq + 1, dtype=torch.long)
    x[:, 0] = torch.randint(0, args.vocab, (n,), generator=g)
    choice = torch.randint(0, 4, (n, args.seq), generator=g)
    noise = torch.rand(n, args.seq, generator=g) < 0.1
    rnd = torch.randint(0, args.vocab, (n, args.seq), generator=g)
    for t in range(args.seq):
        nxt = succ[x[:, t], choice[:, t]]
        x[:, t + 1] = torch.where(noise[:, t], rnd[:, t], nxt)
    return x[lo:hi, :-1], x[lo:hi, 1:]


# ---- topology ----

class Topology:
    def __init__(self):
        self.rank, self.world = env_int("RANK", 0), env_int("WORLD_SIZE", 1)
        self.site_index, self.site_count = env_int("SUPERFACTORY_SITE_INDEX", 0), env_int("SUPERFACTORY_SITE_COUNT", 1)
        sizes = os.environ.get("SUPERFACTORY_SITE_WORLD_SIZES") or str(self.world)
        self.sizes = [int(s) for s in sizes.split(",")]
        if sum(self.sizes) != self.world or len(self.sizes) != self.site_count:
            sys.exit(f"SUPERFACTORY_SITE_WORLD_SIZES={sizes} does not add up to WORLD_SIZE={self.world} over {self.site_count} sites")
        self.offsets = [sum(self.sizes[:i]) for i in range(self.site_count)]
        self.local_rank = self.rank - self.offsets[self.site_index]
        self.local_size = self.sizes[self.site_index]
        # cross-site groups pair local rank i of every site; with unequal sites only the first min(n) ranks cross
        self.shards = min(self.sizes)

    def build_groups(self):
        """Every rank creates every group, in the same order (torch.distributed's rule)."""
        self.local_group = None
        for s in range(self.site_count):
            g = dist.new_group(list(range(self.offsets[s], self.offsets[s] + self.sizes[s])))
            if s == self.site_index:
                self.local_group = g
        self.cross_group, self.cross_ranks = None, None
        for i in range(self.shards):
            ranks = [self.offsets[s] + i for s in range(self.site_count)]
            g = dist.new_group(ranks) if self.site_count > 1 else None
            if self.local_rank == i:
                self.cross_group, self.cross_ranks = g, ranks


# ---- the WAN exchange: reduce-scatter + all-gather between sites, optionally quantized ----

def quantize(x, bits):
    """x as bytes to send: fp32 or fp16 as is; 8 or 4 bits as uint8 with its fp32 scale in the first 4 bytes."""
    if bits >= 32:
        return x.float().contiguous()
    if bits == 16:
        return x.half().contiguous()
    qmax = 2 ** (bits - 1) - 1
    scale = (x.abs().max() / qmax).clamp(min=1e-12).reshape(1).float()
    q = torch.clamp(torch.round(x / scale), -qmax, qmax).to(torch.int16) + (qmax + 1)
    u = q.to(torch.uint8)
    if bits == 4:  # two 4-bit values per byte
        if u.numel() % 2:
            u = torch.cat([u, torch.zeros(1, dtype=torch.uint8)])
        u = (u[0::2] << 4) | u[1::2]
    # one message per chunk: the scale rides in front of the values
    return torch.cat([scale.view(torch.uint8), u]).contiguous()


def wire_like(n, bits):
    """An empty receive buffer for a quantized chunk of n values."""
    if bits >= 32:
        return torch.zeros(n)
    if bits == 16:
        return torch.zeros(n, dtype=torch.half)
    return torch.zeros(4 + (n if bits == 8 else (n + 1) // 2), dtype=torch.uint8)


def dequantize(w, bits, n):
    if bits >= 16:
        return w.float()[:n]
    qmax = 2 ** (bits - 1) - 1
    scale = w[:4].clone().view(torch.float32)
    u = w[4:]
    if bits == 4:
        u = torch.stack([u >> 4, u & 15], 1).reshape(-1)[:n]
    return (u.to(torch.int16) - (qmax + 1)).float() * scale


class Wan:
    def __init__(self, topo):
        self.topo = topo
        self.payload_bytes = 0  # what this rank sent to other sites

    def _exchange(self, sends, recvs):
        """sends: {site: tensor}; recvs: {site: buffer}; point to point with the same local rank of each site."""
        ops = []
        for j, t in sends.items():
            ops.append(dist.isend(t, self.topo.cross_ranks[j]))
            self.payload_bytes += t.numel() * t.element_size()
        for j, b in recvs.items():
            ops.append(dist.irecv(b, self.topo.cross_ranks[j]))
        for op in ops:
            op.wait()

    def average(self, v, bits):
        """Mean of v over the sites (v: this rank's shard; every rank of the cross group calls it)."""
        topo = self.topo
        k = topo.site_count
        if k == 1 or topo.cross_group is None:
            return v
        me = topo.site_index
        chunks = list(v.chunk(k))
        sizes = [c.numel() for c in chunks]
        others = [j for j in range(k) if j != me]
        # phase 1 (reduce-scatter): chunk j goes to site j
        recv = {j: wire_like(sizes[me], bits) for j in others}
        self._exchange({j: quantize(chunks[j], bits) for j in others}, recv)
        total = chunks[me].float().clone()
        for w in recv.values():
            total += dequantize(w, bits, sizes[me])
        mine = quantize(total / k, bits)
        # phase 2 (all-gather): the reduced chunk goes back to every site
        back = {j: wire_like(sizes[j], bits) for j in others}
        self._exchange({j: mine for j in others}, back)
        out = [None] * k
        out[me] = dequantize(mine, bits, sizes[me])
        for j, w in back.items():
            out[j] = dequantize(w, bits, sizes[j])
        return torch.cat(out)


def site_mean(vec, topo, wan, bits):
    """Mean over the whole gang: sum in the site, shards across sites, gather in the site."""
    if topo.local_size > 1:
        dist.all_reduce(vec, group=topo.local_group)
    vec /= topo.local_size
    if topo.site_count == 1:
        return vec
    n = topo.shards
    shards = list(vec.tensor_split(n))
    if topo.local_rank < n:
        shards[topo.local_rank] = wan.average(shards[topo.local_rank], bits)
    if topo.local_size > 1:
        # every local rank broadcasts the shard it owns (ranks beyond n own none)
        for i in range(n):
            dist.broadcast(shards[i], topo.offsets[topo.site_index] + i, group=topo.local_group)
    return torch.cat(shards)


# ---- checkpoints: sharded, atomic, resumable with any world size ----

def state_tensors(model, opt, outer):
    st = {f"model.{k}": v for k, v in model.state_dict().items() if k not in ("pe", "mask")}
    for i, p in enumerate(model.parameters()):
        for k, v in opt.state.get(p, {}).items():
            st[f"opt.{i}.{k}"] = v if torch.is_tensor(v) else torch.tensor(float(v))
    if outer is not None:
        st.update({f"outer.{k}": v for k, v in outer.items()})
    return st


def save_checkpoint(root, step, topo, model, opt, outer, extra):
    """Every rank writes its shard into its own site's folder; each site commits step-N there.

    With a folder per site (a gang's parts), a site's step-N holds only its own ranks' shards until the
    control plane's replication copies the others' over the WAN; it is complete once all shards are there.
    """
    tmp, final = os.path.join(root, f".tmp-step-{step}"), os.path.join(root, f"step-{step}")
    os.makedirs(tmp, exist_ok=True)
    st = state_tensors(model, opt, outer)
    keys = sorted(st)
    mine = {k: st[k].detach().cpu() for k in keys[topo.rank :: topo.world]}
    torch.save(mine, os.path.join(tmp, f"shard-{topo.rank}.pt"))
    dist.barrier()
    if topo.local_rank == 0:
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump({"step": step, "shards": topo.world, **extra}, f)
        try:
            if not os.path.exists(final):
                os.rename(tmp, final)  # the commit: step-N appears with this site's shards or not at all
        except OSError:
            pass  # sites sharing one folder: another site's rank committed it first
        with open(os.path.join(root, f"latest.tmp.{topo.site_index}"), "w") as f:
            f.write(f"step-{step}")
        os.replace(os.path.join(root, f"latest.tmp.{topo.site_index}"), os.path.join(root, "latest"))
    # no second barrier: the other ranks never read the checkpoint they helped write


def complete(root, step):
    """A checkpoint folder with its manifest and every shard it names."""
    d = os.path.join(root, f"step-{step}")
    try:
        with open(os.path.join(d, "manifest.json")) as f:
            n = json.load(f)["shards"]
    except (OSError, ValueError, KeyError):
        return False
    return all(os.path.exists(os.path.join(d, f"shard-{r}.pt")) for r in range(n))


def latest_complete(root):
    best = None
    for name in os.listdir(root) if os.path.isdir(root) else []:
        if name.startswith("step-") and name[5:].isdigit() and complete(root, int(name[5:])):
            n = int(name[5:])
            best = n if best is None or n > best else best
    return best


def resume_step(root):
    """The control plane's choice (SUPERFACTORY_RESUME_STEP: whole on every site of the gang), else the newest here."""
    want = os.environ.get("SUPERFACTORY_RESUME_STEP")
    if want and want.isdigit() and complete(root, int(want)):
        return int(want)
    return latest_complete(root)


def load_checkpoint(root, step, model, opt, outer):
    d = os.path.join(root, f"step-{step}")
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    st = {}
    for r in range(man["shards"]):
        st.update(torch.load(os.path.join(d, f"shard-{r}.pt")))
    model.load_state_dict({k[6:]: v for k, v in st.items() if k.startswith("model.")}, strict=False)
    params = list(model.parameters())
    for k, v in st.items():
        if k.startswith("opt."):
            _, i, name = k.split(".", 2)
            opt.state[params[int(i)]][name] = v if name != "step" or v.dim() > 0 else v
    if outer is not None:
        for k, v in st.items():
            if k.startswith("outer."):
                outer[k[6:]] = v
    return man


# ---- progress: one JSON line per report, read by the control plane's executor ----

def iface_tx_bytes(iface):
    try:
        with open(f"/sys/class/net/{iface}/statistics/tx_bytes") as f:
            return int(f.read())
    except OSError:
        return None


def replication_state(root):
    """The site's checkpoint-copy files (name -> content): running and final counts, `.active` marks.

    The control plane's copies to and from this site write them (src/control/executors/checkpoint-copy.ts): a
    sender marks its copy active before its first byte, the receiver keeps a running count in the sender's folder
    and leaves its final count in its own, so a copy in either direction changes this state.
    """
    d = os.path.join(root, ".replication")
    out = {}
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        try:
            with open(os.path.join(d, name)) as f:
                out[name] = f.read().strip()
        except OSError:
            out[name] = None  # removed meanwhile: a copy just ended
    return tuple(out.items())


def copied_bytes(state):
    return sum(int(v) for k, v in state if "-to-" in k and k.endswith(".bytes") and v and v.isdigit())


class Progress:
    def __init__(self, path, topo, tokens_per_step, period):
        self.path, self.topo, self.tokens_per_step = path, topo, tokens_per_step
        # rates over whole outer periods (DiLoCo exchanges every H steps): a window of a multiple of H steps
        self.period = period
        self.span = period * max(1, math.ceil(20 / period))
        self.iface = os.environ.get("SUPERFACTORY_WAN_IFACE") or None
        self.window = []  # (step, time, tx bytes or None during a copy, payload bytes, copy state)

    def link_rate(self):
        """Link bytes per step over the longest window of whole periods with no checkpoint copy on the link.

        Copies share the link with training (both directions: data one way, ACKs the other), so windows where
        the copy state changed are left out rather than corrected.
        """
        ok = [w for w in self.window if w[2] is not None]
        if ok:
            end = ok[-1]
            # readings with the end's copy state: no copy began or ended between them and the end
            starts = [w for w in ok if w[4] == end[4] and w[0] < end[0] and (end[0] - w[0]) % self.period == 0]
            if starts:
                self.last_link = (end[2] - starts[0][2]) / (end[0] - starts[0][0])
        return getattr(self, "last_link", None) if self.iface else None

    def report(self, step, loss, step_s, compute_s, wan, resumed_from):
        payload = wan.payload_bytes
        if self.topo.local_size > 1:  # the whole site's payload, summed in the site (no WAN traffic)
            t = torch.tensor([float(payload)])
            dist.all_reduce(t, group=self.topo.local_group)
            payload = int(t.item())
        if self.topo.local_rank != 0:
            return
        root = os.environ.get("SUPERFACTORY_CHECKPOINT_DIR") or ""
        before = replication_state(root)
        tx = iface_tx_bytes(self.iface) if self.iface else None
        state = replication_state(root)
        if state != before or any(k.endswith(".active") for k, _ in state):
            tx = None  # a checkpoint copy on the link: not a reading of training traffic alone
        rep = copied_bytes(state)
        self.window.append((step, time.time(), tx, payload, state))
        self.window = self.window[-(self.span + 1) :]
        s0, t0, tx0, p0, _ = self.window[0]
        steps = step - s0
        if steps % self.period:
            # a window of whole periods ending now, when the window holds one
            full = [w for w in self.window if (step - w[0]) % self.period == 0 and w[0] < step]
            s0, t0, tx0, p0, _ = full[0] if full else self.window[0]
            steps = step - s0 if full else 0
        rec = {
            "site": os.environ.get("SUPERFACTORY_SITE", ""),
            "step": step,
            "loss": round(loss, 5),
            "stepTimeSeconds": round(step_s, 5),
            "computeSeconds": round(compute_s, 5),
            "tokensPerSecond": round(self.tokens_per_step / step_s, 2) if step_s > 0 else None,
            "resumedFrom": resumed_from,
            "replicationBytes": rep,  # checkpoint bytes copied from this site so far (they share the link)
            "at": time.time(),
        }
        if steps > 0:
            rec["tokensPerSecond"] = round(self.tokens_per_step * steps / (time.time() - t0), 2)
            rec["wanPayloadBytesPerStep"] = (payload - p0) / steps
            link = self.link_rate()
            if link is not None:
                rec["wanBytesPerStep"] = link  # counted on the site's WAN link
                rec["wanCounted"] = "link"
            else:
                rec["wanBytesPerStep"] = rec["wanPayloadBytesPerStep"]
                rec["wanCounted"] = "payload"
        line = json.dumps(rec)
        print(line, flush=True)
        if self.path:
            with open(self.path, "a") as f:
                f.write(line + "\n")


# ---- the training loop ----

def main():
    args = parse_args()
    torch.set_num_threads(1)
    topo = Topology()
    use_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device(f"cuda:{env_int('LOCAL_RANK', 0) % max(1, torch.cuda.device_count())}" if use_cuda else "cpu")
    dist.init_process_group("nccl" if use_cuda else "gloo")
    topo.build_groups()
    strategy = os.environ.get("SUPERFACTORY_STRATEGY", "hierarchical-dp" if topo.site_count > 1 else "single-site")
    diloco = strategy == "diloco"
    H = env_int("SUPERFACTORY_DILOCO_H", 10) if diloco else 1
    bits = env_int("SUPERFACTORY_DILOCO_BITS", 4) if diloco else 32
    torch.manual_seed(args.seed)
    model = GPT(args).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    outer = None
    if diloco:
        outer = {"params": torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone(),
                 "momentum": torch.zeros(sum(p.numel() for p in model.parameters()))}
    root = os.environ.get("SUPERFACTORY_CHECKPOINT_DIR") or os.path.join(os.getcwd(), "checkpoints")
    os.makedirs(root, exist_ok=True)
    start = 0
    resume = resume_step(root)
    if resume is not None:
        load_checkpoint(root, resume, model, opt, outer)
        start = resume
    if topo.rank == 0:
        n = sum(p.numel() for p in model.parameters())
        print(json.dumps({"event": "start", "strategy": strategy, "params": n, "world": topo.world,
                          "sites": topo.sizes, "resumeStep": resume, "H": H, "bits": bits}), flush=True)
    succ = make_chain(args.vocab, args.seed)
    per_rank = args.global_batch // topo.world
    if per_rank < 1:
        sys.exit(f"--global-batch {args.global_batch} is smaller than WORLD_SIZE {topo.world}")
    lo = topo.rank * per_rank
    wan = Wan(topo)
    progress = Progress(os.environ.get("SUPERFACTORY_PROGRESS_FILE"), topo, per_rank * topo.world * args.seq, H)
    for step in range(start + 1, args.steps + 1):
        t0 = time.time()
        x, y = batch_for(step, args, succ, lo, lo + per_rank)
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=False)
        loss.backward()
        if args.step_delay > 0:
            time.sleep(args.step_delay)  # a slower part (tests: a straggler), before any exchange
        compute_s = time.time() - t0  # what this part spends without waiting for the other sites
        grads = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
        if diloco:
            # inner step: gradients averaged inside the site only
            if topo.local_size > 1:
                dist.all_reduce(grads, group=topo.local_group)
                grads /= topo.local_size
        else:
            grads = site_mean(grads, topo, wan, 32)
        torch.nn.utils.vector_to_parameters(grads, [p.grad for p in model.parameters()])
        opt.step()
        if diloco and step % H == 0:
            local = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
            delta = site_mean(outer["params"] - local, topo, wan, bits)
            outer["momentum"].mul_(0.9).add_(delta)
            outer["params"] -= 0.7 * (delta + 0.9 * outer["momentum"])  # Nesterov
            torch.nn.utils.vector_to_parameters(outer["params"].clone(), list(model.parameters()))
        lt = loss.detach().reshape(1).clone()
        if topo.local_size > 1:
            dist.all_reduce(lt, group=topo.local_group)
            lt /= topo.local_size
        progress.report(step, lt.item(), time.time() - t0, compute_s, wan, resume)
        if step % args.checkpoint_every == 0 and step % H == 0:
            save_checkpoint(root, step, topo, model, opt, outer, {"strategy": strategy, "world": topo.world})
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
