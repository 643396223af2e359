#!/usr/bin/python3
"""PyTorch twin of cr for the benchmarks (bench/ae.sh, bench/train.sh).

Run with Debian's python, which has torch 1.13:

    /usr/bin/python3 bench/twin.py infer MODEL TOKENS|N [BATCH]
    /usr/bin/python3 bench/twin.py train MODEL STEPS B
    /usr/bin/python3 bench/twin.py check MODEL

MODEL is a cr model file (core/aefile.c; fp32 or bf16). The layers are those of
tests/ref/gen_ref.py, batched over blocks (gen_ref's twin takes one block at a time;
`check` compares the two), plus the config keys added since: pool (latent slot j starts
from the mean token embedding of its segment), zskip (decoder position i also gets
z of its segment), bind (the pool binds each token to its offset in the segment and is
scaled to unit RMS; position i gets z of its segment times dec_bind of its offset) and
zsplit (M * zsplit slots of width C), as in core/ae_fwd.c and core/train.c.

infer   encodes, decodes and scores the blocks of the token stream TOKENS (crtok -L, the
        model's block size; short blocks run on their own), or N blocks of random ids,
        BATCH blocks at a time (default 8) under torch.inference_mode. One batch first as
        a warm-up, then the whole set is timed. stdout:
            torch-infer <tokens> <seconds> <tok/s>
        stderr: TRA and CE (bits), comparable with crscore -s on the same tokens.
train   the step of crtrain (core/train.c): full blocks of L ids, mean cross-entropy
        over positions, global grad-norm clip 1, AdamW (betas 0.9/0.95, eps 1e-8, weight
        decay 0.1 on matrices except positions, latent slots and bind), lr 1e-3, no
        bag-of-words loss; B blocks of random ids from a fixed seed. One warm-up step,
        then STEPS timed steps (the lr schedule of crtrain does not change the work).
        stdout:
            torch-train <tokens> <seconds> <tok/s> <peak RSS MB>

Threads: CR_TWIN_THREADS (default 2) for torch.set_num_threads.
"""
import math
import os
import resource
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "ref"))

import torch  # noqa: E402
import torch.nn.functional as Fn  # noqa: E402
import xxhash  # noqa: E402

import gen_ref as ref  # noqa: E402  tensor_table, CONFIG_KEYS, per-block encode/decode

META_U64, META_F64, META_STR = 1, 2, 3
DTYPE_F32, DTYPE_BF16 = 1, 2
KIND_TOKENS, REC_BLOCK, REC_END = 1, 2, 0xFFFF
ALIGN = 64
# config keys added after gen_ref.py's CONFIG_KEYS (core/ae.c), with their fields
LATER_KEYS = [("pool", "ae.pool"), ("zskip", "ae.zskip"), ("bind", "ae.bind"),
              ("zsplit", "ae.zsplit")]


def die(msg):
    sys.stderr.write("twin.py: %s\n" % msg)
    sys.exit(1)


# ---- files ---------------------------------------------------------------------------

def parse_meta(b):
    """core/meta.c: u8 type, u8 key_len, key, then u64 | f64 | u32 len + bytes."""
    m, at = {}, 0
    while at < len(b):
        t, kl = b[at], b[at + 1]
        key = b[at + 2:at + 2 + kl].decode()
        at += 2 + kl
        if t == META_U64:
            m[key] = struct.unpack_from("<Q", b, at)[0]
            at += 8
        elif t == META_F64:
            m[key] = struct.unpack_from("<d", b, at)[0]
            at += 8
        elif t == META_STR:
            n = struct.unpack_from("<I", b, at)[0]
            m[key] = b[at + 4:at + 4 + n].decode(errors="replace")
            at += 4 + n
        else:
            die("metadata entry '%s' of unknown type %d" % (key, t))
    return m


def load_model(path):
    """The config and a dict of float32 tensors, named as in ref.tensor_table."""
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"\x89CRM":
        die("%s: not a cr model file" % path)
    version, _, ml, n = struct.unpack_from("<HHII", b, 4)
    if version != 1:
        die("%s: model format version %d" % (path, version))
    meta = parse_meta(b[16:16 + ml])
    c = {f: int(meta[k]) for f, k in ref.CONFIG_KEYS}
    for f, k in LATER_KEYS:  # absent from older files: 0
        c[f] = int(meta.get(k, 0))
    table = ref.tensor_table(c)
    if n != len(table):
        die("%s: %d tensors where the config needs %d" % (path, n, len(table)))
    at, dtype, entries = 16 + ml, None, []
    for name, rows, cols in table:
        nl = b[at]
        got = b[at + 1:at + 1 + nl].decode()
        dt, nd = b[at + 1 + nl], b[at + 2 + nl]
        at += 3 + nl
        r, cc = (struct.unpack_from("<I", b, at)[0], 1) if nd == 1 else \
            struct.unpack_from("<II", b, at)
        at += 4 if nd == 1 else 8
        off, size = struct.unpack_from("<QQ", b, at)
        at += 16
        if got != name or (r, cc) != (rows, cols):
            die("%s: tensor %s %dx%d, expected %s %dx%d" % (path, got, r, cc, name, rows, cols))
        dtype = dt
        entries.append((name, rows, cols, off, size))
    if xxhash.xxh3_64_intdigest(b[:at]) != struct.unpack_from("<Q", b, at)[0]:
        die("%s: model header checksum mismatch" % path)
    data_at = (at + 8 + ALIGN - 1) // ALIGN * ALIGN
    if dtype not in (DTYPE_F32, DTYPE_BF16):
        die("%s: storage type %d" % (path, dtype))
    p = {}
    for name, rows, cols, off, size in entries:
        raw = bytearray(b[data_at + off:data_at + off + size])
        if dtype == DTYPE_F32:
            t = torch.frombuffer(raw, dtype=torch.float32)
        else:  # bf16 is the top half of an fp32
            t = (torch.frombuffer(raw, dtype=torch.int16).to(torch.int32) << 16).view(
                torch.float32)
        p[name] = t.clone().reshape((rows,) if cols == 1 else (rows, cols))
    return c, p


def read_blocks(path):
    """Blocks of a cr token stream (core/stream.c, core/tokrec.c) as lists of ids;
    concatenated streams are followed; checksums are not checked."""
    with open(path, "rb") as f:
        b = f.read()
    at, blocks = 0, []
    while at < len(b):
        if b[at:at + 4] != b"\x89CRS":
            die("%s: byte %d: not a cr stream header" % (path, at))
        _, kind, ml = struct.unpack_from("<HHI", b, at + 4)
        if kind != KIND_TOKENS:
            die("%s: a stream of kind %d, not tokens" % (path, kind))
        at += 12 + ml + 8
        while True:
            ln, rtype = struct.unpack_from("<IH", b, at)
            payload = b[at + 16:at + 16 + ln]
            at += 16 + ln + 8
            if rtype == REC_END:
                break
            if rtype == REC_BLOCK:
                n = struct.unpack_from("<I", payload, 32)[0]
                blocks.append(list(struct.unpack_from("<%dI" % n, payload, 40)))
    return blocks


# ---- the model over a batch of blocks -----------------------------------------------

def layer(c, p, pre, x, Tk):
    """x (B,T,C): the pre-LN layer of ref.layer, keys [0,Tk) of each block."""
    B, T, C = x.shape
    NH = c["NH"]
    hs = C // NH
    h = Fn.layer_norm(x, (C,), p[pre + "ln1_w"], p[pre + "ln1_b"], eps=1e-5)
    qkv = Fn.linear(h, p[pre + "qkv_w"], p[pre + "qkv_b"])          # (B,T,3C)
    q = qkv[:, :, :C].reshape(B, T, NH, hs).transpose(1, 2)          # (B,NH,T,hs)
    k = qkv[:, :Tk, C:2 * C].reshape(B, Tk, NH, hs).transpose(1, 2)  # (B,NH,Tk,hs)
    v = qkv[:, :Tk, 2 * C:].reshape(B, Tk, NH, hs).transpose(1, 2)
    att = torch.softmax((q @ k.transpose(2, 3)) * (1.0 / math.sqrt(hs)), dim=-1)
    y = (att @ v).transpose(1, 2).reshape(B, T, C)
    x = x + Fn.linear(y, p[pre + "proj_w"], p[pre + "proj_b"])
    h = Fn.layer_norm(x, (C,), p[pre + "ln2_w"], p[pre + "ln2_b"], eps=1e-5)
    h = Fn.gelu(Fn.linear(h, p[pre + "fc_w"], p[pre + "fc_b"]), approximate="tanh")
    return x + Fn.linear(h, p[pre + "fc2_w"], p[pre + "fc2_b"])


def segments(c, n, mean=True):
    """(S,n), S the slots (ref.slots: M * zsplit): row j averages (or, mean False, sums)
    the ids of slot j's segment, tokens j*n/S .. (j+1)*n/S (core/ae.h cr_ae_seg_start,
    pool)."""
    M = ref.slots(c)
    P = torch.zeros(M, n)
    for j in range(M):
        a, e = j * n // M, (j + 1) * n // M
        if e > a:
            P[j, a:e] = 1.0 / (e - a) if mean else 1.0
    return P


def seg_of(c, n):
    """Per position i of a block of n: its slot and its offset in the slot's segment
    (core/ae.h cr_ae_seg_of, cr_ae_seg_start)."""
    M = ref.slots(c)
    seg = [((i + 1) * M - 1) // n for i in range(n)]
    return seg, [i - j * n // M for i, j in enumerate(seg)]


def encode(c, p, ids):
    """z (B,S,C) from ids (B,n)."""
    B, n = ids.shape
    S = ref.slots(c)
    emb = p["tok_emb"][ids]                                          # (B,n,C)
    lat = p["enc_lat"].expand(B, S, c["C"])
    if c["bind"]:  # each token bound to its offset, summed per segment, unit RMS
        u = segments(c, n, mean=False) @ (p["enc_bind"][seg_of(c, n)[1]] * emb)
        lat = lat + u / torch.sqrt((u * u).mean(dim=-1, keepdim=True) + 1e-10)
    elif c["pool"]:
        lat = lat + segments(c, n) @ emb
    x = torch.cat([emb + p["enc_pos"][:n], lat], dim=1)
    for l in range(c["Le"]):
        x = layer(c, p, "enc.%d." % l, x, n + S)
    return Fn.layer_norm(x[:, n:], (c["C"],), p["enc_lnf_w"], p["enc_lnf_b"], eps=1e-5)


def decode(c, p, z, n):
    """h (B,n,C), the decoder's output at the n position slots, before the head."""
    B, M = z.shape[0], ref.slots(c)
    pos = p["dec_pos"][:n].expand(B, n, c["C"])
    if c["zskip"]:  # position i also gets z of its segment (core/ae.h cr_ae_seg_of)
        seg, off = seg_of(c, n)
        pos = pos + (p["dec_bind"][off] * z[:, seg] if c["bind"] else z[:, seg])
    x = torch.cat([z + p["dec_zpos"], pos], dim=1)
    for l in range(c["Ld"]):
        x = layer(c, p, "dec.%d." % l, x, M if l < c["zattn"] else n + M)
    return Fn.layer_norm(x[:, M:], (c["C"],), p["dec_lnf_w"], p["dec_lnf_b"], eps=1e-5)


def head(c, p):
    return p["tok_emb"] if c["tied"] else p["head"]


def score(c, p, h, ids, rows=512):
    """Summed -log p(true id) in nats and argmax hits over h (B,n,C), `rows` rows of
    logits at a time (as crdec, which never holds a whole block's logits)."""
    hf, y = h.reshape(-1, c["C"]), ids.reshape(-1)
    nll, hits = 0.0, 0
    for r0 in range(0, hf.shape[0], rows):
        logits = hf[r0:r0 + rows] @ head(c, p).T
        am = logits.argmax(dim=-1)
        lse = torch.logsumexp(logits, dim=-1)
        t = y[r0:r0 + rows]
        nll += (lse - logits.gather(1, t[:, None])[:, 0]).double().sum().item()
        hits += (am == t).sum().item()
    return nll, hits


# ---- modes ---------------------------------------------------------------------------

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def blas_core():
    """The OpenBLAS kernels torch's BLAS runs, as crenc -v reports cr's."""
    import ctypes
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in path and ".so" in path:
            try:
                f = ctypes.CDLL(path).openblas_get_corename
                f.restype = ctypes.c_char_p
                return f().decode()
            except (OSError, AttributeError):
                pass
    return "?"


def batches(c, src, batch):
    """Lists of (B,n) id tensors: full blocks `batch` at a time, short blocks alone."""
    V, L = c["V"], c["L"]
    if src.isdigit():
        g = torch.Generator().manual_seed(1)
        ids = torch.randint(0, V, (int(src), L), generator=g)
        return [ids[i:i + batch] for i in range(0, ids.shape[0], batch)]
    blocks = read_blocks(src)
    if any(len(bl) > L for bl in blocks):
        die("%s: blocks longer than the model's %d tokens (crtok -L %d)" % (src, L, L))
    if any(i >= V for bl in blocks for i in bl):
        die("%s: ids beyond the model's vocabulary of %d" % (src, V))
    full = [bl for bl in blocks if len(bl) == L]
    out = [torch.tensor(full[i:i + batch]) for i in range(0, len(full), batch)]
    return out + [torch.tensor([bl]) for bl in blocks if len(bl) < L]


def infer(model, src, batch=8):
    c, p = load_model(model)
    bs = batches(c, src, batch)
    if not bs:
        die("%s: no blocks" % src)
    tokens = sum(b.numel() for b in bs)

    def run(b):
        z = encode(c, p, b)
        return score(c, p, decode(c, p, z, b.shape[1]), b)

    with torch.inference_mode():
        run(bs[0])  # warm-up: first touches, allocator, thread pools
        t0 = time.perf_counter()
        nll = hits = 0
        for b in bs:
            a, h = run(b)
            nll += a
            hits += h
        s = time.perf_counter() - t0
    sys.stderr.write("twin.py: infer %d blocks, batch %d, %d threads, BLAS %s: TRA %.4f CE "
                     "%.4f bits, peak RSS %.0f MB\n"
                     % (sum(b.shape[0] for b in bs), batch, torch.get_num_threads(),
                        blas_core(), hits / tokens, nll / tokens / math.log(2), rss_mb()))
    print("torch-infer\t%d\t%.3f\t%.1f" % (tokens, s, tokens / s))


def trainer(c, p):
    """The step of crtrain as a function of the ids (B,L) of a batch; returns the loss."""
    table = ref.tensor_table(c)
    for name, _, _ in table:
        p[name].requires_grad_(True)
    if c["tied"]:
        p["head"] = p["tok_emb"]
    # core/train.c: matrices decay; vectors, positions, latent slots and bind do not
    decays = [r > 1 and cc > 1 and "pos" not in n_ and "lat" not in n_ and "bind" not in n_
              for n_, r, cc in table]
    decay = [p[n_] for (n_, _, _), d in zip(table, decays) if d]
    keep = [p[n_] for (n_, _, _), d in zip(table, decays) if not d]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": keep, "weight_decay": 0.0}]
    try:
        opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95), eps=1e-8, foreach=True)
    except TypeError:
        opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    params = decay + keep

    def step(ids):
        h = decode(c, p, encode(c, p, ids), ids.shape[1])
        loss = Fn.cross_entropy((h @ head(c, p).T).reshape(-1, c["V"]), ids.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()
    return step


def train(model, steps, B):
    c, p = load_model(model)
    step = trainer(c, p)
    g = torch.Generator().manual_seed(1)
    batches = [torch.randint(0, c["V"], (B, c["L"]), generator=g) for _ in range(steps + 1)]
    first = step(batches[0])  # warm-up
    t0 = time.perf_counter()
    last = first
    for ids in batches[1:]:
        last = step(ids)
    s = time.perf_counter() - t0
    tokens = steps * B * c["L"]
    sys.stderr.write("twin.py: train %d+1 steps of %d blocks, %d threads, BLAS %s: loss %.3f "
                     "-> %.3f nats\n" % (steps, B, torch.get_num_threads(), blas_core(), first,
                                         last))
    print("torch-train\t%d\t%.3f\t%.1f\t%.0f" % (tokens, s, tokens / s if s > 0 else 0.0,
                                                 rss_mb()))


def check(model):
    """The batched layers against gen_ref's one-block twin, on three random blocks."""
    c, p = load_model(model)
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(0, c["V"], (3, c["L"]), generator=g)
    worst = 0.0
    with torch.no_grad():
        z = encode(c, p, ids)
        h = decode(c, p, z, c["L"])
        logits = h @ head(c, p).T
        for b in range(3):
            zr = ref.encode(c, p, ids[b])
            lr = ref.decode(c, p, zr, c["L"])
            worst = max(worst, (z[b] - zr).abs().max().item(),
                        (logits[b] - lr).abs().max().item())
    print("check\t%s\tlargest difference %.3g" % (model, worst))
    return 0 if worst < 1e-3 else 1


def main(argv):
    torch.set_num_threads(int(os.environ.get("CR_TWIN_THREADS", "2")))
    if len(argv) >= 4 and argv[1] == "infer" and len(argv) <= 5:
        return infer(argv[2], argv[3], int(argv[4]) if len(argv) == 5 else 8)
    if len(argv) == 5 and argv[1] == "train":
        return train(argv[2], int(argv[3]), int(argv[4]))
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    sys.stderr.write("usage: twin.py infer MODEL TOKENS|N [BATCH]\n"
                     "       twin.py train MODEL STEPS B\n"
                     "       twin.py check MODEL\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
