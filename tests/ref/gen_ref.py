#!/usr/bin/python3
"""PyTorch twin of cr's transformer autoencoder; writes the fixtures of tests/ref/.

Run from anywhere with Debian's python (torch 1.13, python3-xxhash):

    /usr/bin/python3 tests/ref/gen_ref.py [NAME...]

It builds four tiny models (tied head with one z-only decoder layer; untied head with
none; untied with pool, zskip and a block of L=20 that M=3 slots do not divide evenly;
tied with pool, zskip, bind and zsplit=2, so 6 slots over L=20), or only those NAMEs,
initialises every parameter from N(0, 0.1) (LayerNorm weights 1 + N(0, 0.1)) so that a
bug in any bias or gain shows, and writes

    NAME.crm              the model in cr's model file format, fp32 (core/aefile.c)
    NAME_full.state       a block of L random ids and what the model makes of it
    NAME_short.state      the same for a block of n < L ids
    NAME_train.state      (tiny_tied, tiny_pool, tiny_bind) one step of crtrain: the
                          loss and every gradient on a batch, then the losses of ten
                          AdamW steps

A state file is a cr record stream of kind 4 (core/stream.c) whose records (type 1)
each hold one named fp32 tensor: u16 name_len, name, u32 count, count values.
Tensors: ids, z (slots,C), logits (n,V), logp (n: log-softmax at the true ids),
argmax (n). ids and argmax are stored as floats. The header metadata says which model
(ref.model), how many tokens (block.tokens) and the model's check (model.check).
A training state holds ids (B*L), grad (every parameter's gradient, one flat vector in
the slab order of cr_ae_tensors, so a tied head appears once, as tok_emb) and, per step,
loss, ce, bow and gnorm; its metadata holds the step's settings as train.* keys.

The semantics follow core/ae_fwd.c and core/ops.c: pre-LN layers, LayerNorm eps 1e-5,
GELU in its tanh form, a fused qkv projection with bias split into heads of C/NH,
softmax scale 1/sqrt(C/NH), bidirectional attention; decoder layers l < zattn let every
query attend to the z rows only. zsplit: the model has S = M*zsplit latent slots of width
C (z is (S,C), M latents of zsplit*C floats; zsplit 0 or 1: S = M), and S takes the
place of M everywhere below. pool: latent slot j starts from enc_lat[j] plus the
mean token embedding of tokens [j*n/S, (j+1)*n/S); zskip: decoder position i
gets z[((i+1)*S-1)//n] (raw z, without dec_zpos) added. bind (with pool and zskip): the
pool is u = sum over the segment's tokens i of enc_bind[i - start] * tok_emb[ids[i]],
divided by sqrt(mean(u^2) + 1e-10), and decoder position i gets dec_bind[i - start] *
z[seg] instead of z[seg] (core/ae.c cr_ae_bind_pool, core/ae_fwd.c). Training follows
core/train.c: the loss of cr_train_backward, the clip of cr_train_clip and the AdamW
of cr_train_adamw.
"""
import math
import os
import struct
import sys

import torch
import torch.nn.functional as Fn
import xxhash

HERE = os.path.dirname(os.path.abspath(__file__))
SD = 0.1  # every parameter ~ N(0, SD); LayerNorm weights 1 + N(0, SD)

# name: (config, seed, short block length, training fixture)
MODELS = {
    "tiny_tied": (dict(V=300, C=32, NH=4, Le=2, Ld=2, F=64, L=24, M=3, tied=1, zattn=1,
                       pool=0, zskip=0), 1, 9, True),
    "tiny_untied": (dict(V=300, C=32, NH=4, Le=2, Ld=2, F=64, L=24, M=3, tied=0, zattn=0,
                         pool=0, zskip=0), 2, 2, False),  # a short block shorter than M
    # segments of 6, 7 and 7 tokens; the short block of 11 fills the first, cuts the
    # second and leaves the third empty
    "tiny_pool": (dict(V=96, C=16, NH=2, Le=2, Ld=2, F=32, L=20, M=3, tied=0, zattn=1,
                       pool=1, zskip=1), 3, 11, True),
    # bind and zsplit=2: 6 slots over L=20, segments of 3, 3, 4, 3, 3 and 4 tokens (the
    # bind tensors have 4 rows); the short block of 4 leaves slots 0 and 3 empty
    "tiny_bind": (dict(V=96, C=16, NH=2, Le=2, Ld=2, F=32, L=20, M=3, tied=1, zattn=1,
                       pool=1, zskip=1, bind=1, zsplit=2), 4, 4, True),
    # the adaptive head (core/asm.h) on the bind model of the recipe, its shortlist tied:
    # 16 tokens, then clusters of ranks [16, 64) and [64, 300), each read through 8 values;
    # the token order is a random permutation
    "tiny_asm": (dict(V=300, C=32, NH=4, Le=2, Ld=2, F=64, L=20, M=3, tied=1, zattn=1,
                      pool=1, zskip=1, bind=1, zsplit=2, asm=2, asm_short=16), 5, 7, True),
    # the same with adaptive input: tok_emb holds the 16 shortlist tokens by rank, a tail
    # token is embedded as its asm.I.out row times asm.I.proj (no bag-of-words loss: it
    # reads a full embedding)
    "tiny_asmin": (dict(V=300, C=32, NH=4, Le=2, Ld=2, F=64, L=20, M=3, tied=1, zattn=1,
                        pool=1, zskip=1, bind=1, zsplit=2, asm=2, asm_short=16, asm_in=1),
                   6, 7, True),
    # adaptive input of 40 rows (asm_in 40): the shortlist and the first 24 tokens of
    # cluster 1 keep rows of tok_emb, the rest of cluster 1 and cluster 2 go through the tail
    "tiny_asmin40": (dict(V=300, C=32, NH=4, Le=2, Ld=2, F=64, L=20, M=3, tied=1, zattn=1,
                          pool=1, zskip=1, bind=1, zsplit=2, asm=2, asm_short=16, asm_in=40),
                     8, 7, True),
}

# the ae.* metadata keys, in the order of CONFIG_KEYS in core/ae.c: the required ones,
# then those added later, which cr_ae_config_from_meta takes as 0 when absent
# (bench/twin.py reads CONFIG_KEYS as the required keys)
CONFIG_KEYS = [("V", "ae.vocab"), ("C", "ae.width"), ("NH", "ae.heads"),
               ("Le", "ae.enc_layers"), ("Ld", "ae.dec_layers"), ("F", "ae.ffn"),
               ("L", "ae.block"), ("M", "ae.latents"), ("tied", "ae.tied"),
               ("zattn", "ae.zattn")]
LATER_KEYS = [("pool", "ae.pool"), ("zskip", "ae.zskip")]
# added later still, and written only when not 0 (so that the files of models without
# them stay as they were); absent means 0
SET_KEYS = [("bind", "ae.bind"), ("zsplit", "ae.zsplit"), ("asm", "ae.asm"),
            ("asm_short", "ae.asm_short"), ("asm_in", "ae.asm_in")]

# the training fixture: crtrain's loop with -B 2 -S 10 --lr 1e-2 --min-lr 1e-2 --warmup 0
# (a constant rate) --bow 0.5, on one batch of random full blocks
TRAIN = dict(B=2, steps=10, bow=0.5, lr=1e-2, beta1=0.9, beta2=0.95, eps=1e-8, wd=0.1,
             clip=1.0)
LAYER_NAMES = ["ln1_w", "ln1_b", "qkv_w", "qkv_b", "proj_w", "proj_b",
               "ln2_w", "ln2_b", "fc_w", "fc_b", "fc2_w", "fc2_b"]

META_U64, META_F64, META_STR = 1, 2, 3
KIND_MODEL, REC_TENSOR, REC_END = 4, 1, 0xFFFF
DTYPE_F32 = 1
ALIGN = 64


def xxh3(b):
    return xxhash.xxh3_64_intdigest(bytes(b), seed=0)


# ---- the model -----------------------------------------------------------------------

def slots(c):
    """core/ae.h cr_ae_slots: the latent slots inside the model, M * zsplit."""
    return c["M"] * max(c.get("zsplit", 0), 1)


def seg_max(c):
    """core/ae.h cr_ae_seg_max: the longest segment, the rows of the bind tensors."""
    return -(-c["L"] // slots(c))


def asm_shape(c):
    """core/ae.c cr_asm_shape_of: K0, the cuts c_1..c_(n+1) and the widths d_1..d_n of the
    tail clusters (cluster i holds ranks [cut[i], cut[i+1]))."""
    n, K0 = c["asm"], c["asm_short"]
    cut, dim = [None, K0], [None]
    for i in range(1, n + 1):
        cut.append(c["V"] if i == n else min(cut[i] * 4, c["V"]))
        dim.append(max(c["C"] // 4 ** i, 8))
    return K0, cut, dim


def emb_rows_of(c):
    """Rows of tok_emb: V, or R with adaptive input (asm_in R, 1 meaning the shortlist)."""
    a = c.get("asm_in", 0)
    return c["V"] if not a else c["asm_short"] if a == 1 else a


def tensor_table(c):
    """(name, rows, cols) in the order of cr_ae_tensors (core/ae.c); cols 1 = vector."""
    C, S, t = c["C"], slots(c), []
    emb_rows = emb_rows_of(c)
    t += [("tok_emb", emb_rows, C), ("enc_pos", c["L"], C), ("enc_lat", S, C),
          ("dec_pos", c["L"], C), ("dec_zpos", S, C), ("enc_lnf_w", C, 1),
          ("enc_lnf_b", C, 1), ("dec_lnf_w", C, 1), ("dec_lnf_b", C, 1)]
    if not c["tied"] and not c.get("asm"):
        t.append(("head", c["V"], C))
    shapes = [(C, 1), (C, 1), (3 * C, C), (3 * C, 1), (C, C), (C, 1),
              (C, 1), (C, 1), (c["F"], C), (c["F"], 1), (C, c["F"]), (C, 1)]
    for l in range(c["Le"] + c["Ld"]):
        pre = "enc.%d." % l if l < c["Le"] else "dec.%d." % (l - c["Le"])
        t += [(pre + k, r, cc) for k, (r, cc) in zip(LAYER_NAMES, shapes)]
    if c.get("bind"):  # after all layers
        t += [("enc_bind", seg_max(c), C), ("dec_bind", seg_max(c), C)]
    if c.get("asm"):  # then the adaptive head
        K0, cut, dim = asm_shape(c)
        t.append(("asm_head", (0 if c["tied"] else K0) + c["asm"], C))
        for i in range(1, c["asm"] + 1):
            t += [("asm.%d.proj" % i, dim[i], C), ("asm.%d.out" % i, cut[i + 1] - cut[i], dim[i])]
        t.append(("asm_order", c["V"], 3))
    return t


def init_params(c, seed):
    """Every tensor of the table, float32, drawn in table order from one generator."""
    g = torch.Generator().manual_seed(seed)
    p = {}
    for name, rows, cols in tensor_table(c):
        shape = (rows,) if cols == 1 else (rows, cols)
        x = torch.empty(shape, dtype=torch.float32).normal_(0.0, SD, generator=g)
        leaf = name.split(".")[-1]
        if "ln" in leaf and leaf.endswith("_w"):  # ln1_w, ln2_w, enc_lnf_w, dec_lnf_w
            x += 1.0
        p[name] = x
    if c.get("asm"):  # rank r holds token id o[r] as its three bytes
        o = torch.randperm(c["V"], generator=g)
        p["asm_order"] = torch.stack([o & 255, o >> 8 & 255, o >> 16], dim=1).float()
    return p


def asm_order(p):
    o = p["asm_order"].long()
    return o[:, 0] + 256 * o[:, 1] + 65536 * o[:, 2]


def layernorm(x, w, b):
    return Fn.layer_norm(x, (x.shape[-1],), w, b, eps=1e-5)


def layer(c, p, pre, x, Tk):
    """x (T,C) + attn(ln1 x) over keys [0,Tk), then + mlp(ln2 x): one pre-LN layer."""
    T, C, NH = x.shape[0], c["C"], c["NH"]
    hs = C // NH
    h = layernorm(x, p[pre + "ln1_w"], p[pre + "ln1_b"])
    qkv = h @ p[pre + "qkv_w"].T + p[pre + "qkv_b"]           # (T,3C): q | k | v
    q, k, v = qkv[:, :C], qkv[:Tk, C:2 * C], qkv[:Tk, 2 * C:]
    q = q.reshape(T, NH, hs).transpose(0, 1)                   # (NH,T,hs)
    k = k.reshape(Tk, NH, hs).transpose(0, 1)                  # (NH,Tk,hs)
    v = v.reshape(Tk, NH, hs).transpose(0, 1)
    att = torch.softmax((q @ k.transpose(1, 2)) * (1.0 / math.sqrt(hs)), dim=-1)
    y = (att @ v).transpose(0, 1).reshape(T, C)
    x = x + y @ p[pre + "proj_w"].T + p[pre + "proj_b"]
    h = layernorm(x, p[pre + "ln2_w"], p[pre + "ln2_b"])
    h = Fn.gelu(h @ p[pre + "fc_w"].T + p[pre + "fc_b"], approximate="tanh")
    return x + h @ p[pre + "fc2_w"].T + p[pre + "fc2_b"]


def embed(c, p, ids):
    """Token embeddings (n,C): rows of tok_emb, or with adaptive input (asm_in R) the rows
    of the first R ranks and, for a token of a later rank r in tail cluster i,
    asm.i.out[r - cut[i]] times asm.i.proj."""
    if not c.get("asm_in"):
        return p["tok_emb"][ids]
    K0, cut, dim = asm_shape(c)
    rank = torch.argsort(asm_order(p))[ids]
    rows = []
    R = emb_rows_of(c)
    for r in rank.tolist():
        if r < R:
            rows.append(p["tok_emb"][r])
            continue
        i = max(k for k in range(1, c["asm"] + 1) if cut[k] <= r)
        rows.append(p["asm.%d.out" % i][r - cut[i]] @ p["asm.%d.proj" % i])
    return torch.stack(rows)


def encode(c, p, ids):
    """z (S,C) from ids (n): encoder over [embed(ids) + enc_pos ; enc_lat (+ pool)]."""
    n, M = ids.shape[0], slots(c)
    emb = embed(c, p, ids)
    lat = p["enc_lat"]
    if c.get("bind"):  # slot j: tokens [j*n/M, (j+1)*n/M) bound to their offsets, unit RMS
        seg = []
        for j in range(M):
            a, e = j * n // M, (j + 1) * n // M
            u = (p["enc_bind"][:e - a] * emb[a:e]).sum(dim=0)  # zeros when empty
            seg.append(u / torch.sqrt((u * u).mean() + 1e-10))
        lat = lat + torch.stack(seg)
    elif c.get("pool"):  # slot j: mean embedding of tokens [j*n/M, (j+1)*n/M)
        seg = []
        for j in range(M):
            a, e = j * n // M, (j + 1) * n // M
            seg.append(emb[a:e].mean(dim=0) if e > a else torch.zeros_like(lat[j]))
        lat = lat + torch.stack(seg)
    x = torch.cat([emb + p["enc_pos"][:n], lat], dim=0)
    for l in range(c["Le"]):
        x = layer(c, p, "enc.%d." % l, x, n + M)
    return layernorm(x[n:], p["enc_lnf_w"], p["enc_lnf_b"])


def decode(c, p, z, n):
    """logits (n,V): decoder over [z + dec_zpos ; dec_pos[:n] (+ zskip)], read at the n
    slots."""
    M = slots(c)
    pos = p["dec_pos"][:n]
    if c.get("zskip"):  # position i: z of its segment, ((i+1)*M-1)//n, without dec_zpos
        seg = [((i + 1) * M - 1) // n for i in range(n)]
        if c.get("bind"):  # ... times dec_bind of its offset in the segment
            pos = pos + p["dec_bind"][[i - j * n // M for i, j in enumerate(seg)]] * z[seg]
        else:
            pos = pos + z[seg]
    x = torch.cat([z + p["dec_zpos"], pos], dim=0)
    for l in range(c["Ld"]):
        x = layer(c, p, "dec.%d." % l, x, M if l < c["zattn"] else n + M)
    h = layernorm(x[M:], p["dec_lnf_w"], p["dec_lnf_b"])
    if c.get("asm"):
        return asm_logp(c, p, h)
    head = p["tok_emb"] if c["tied"] else p["head"]
    return h @ head.T


def asm_logp(c, p, h):
    """The adaptive head (core/asm.h): log p (n,V) of every token, by id. Head logits
    l = h W^T, W = [the shortlist's rows ; asm_head's cluster rows], the shortlist's rows
    being tok_emb of its tokens in rank order when tied; rank r < K0 gets l[r] - lse(l), rank r in
    cluster i gets l[K0+i-1] - lse(l) + log_softmax(h proj_i^T out_i^T)[r - cut[i]]."""
    K0, cut, dim = asm_shape(c)
    order = asm_order(p)
    short = (p["tok_emb"][:K0] if c.get("asm_in") else p["tok_emb"][order[:K0]]) \
        if c["tied"] else p["asm_head"][:K0]
    l = h @ torch.cat([short, p["asm_head"][-c["asm"]:]], dim=0).T
    l = l - torch.logsumexp(l, dim=-1, keepdim=True)
    parts = [l[:, :K0]]
    for i in range(1, c["asm"] + 1):
        z = (h @ p["asm.%d.proj" % i].T) @ p["asm.%d.out" % i].T
        parts.append(l[:, K0 + i - 1:K0 + i] + torch.log_softmax(z, dim=-1))
    by_rank = torch.cat(parts, dim=1)
    return by_rank[:, torch.argsort(order)]  # column v: the rank of token v


# ---- cr's byte formats ---------------------------------------------------------------

def meta_bytes(entries):
    """core/meta.c: u8 type, u8 key_len, key, then u64 | f64 | u32 len + bytes."""
    out = b""
    for key, val in entries:
        k = key.encode()
        if isinstance(val, str):
            s = val.encode()
            out += struct.pack("<BB", META_STR, len(k)) + k + struct.pack("<I", len(s)) + s
        elif isinstance(val, float):
            out += struct.pack("<BB", META_F64, len(k)) + k + struct.pack("<d", val)
        else:
            out += struct.pack("<BB", META_U64, len(k)) + k + struct.pack("<Q", val)
    return out


def param_bytes(c, p):
    return b"".join(p[name].contiguous().numpy().astype("<f4").tobytes()
                    for name, _, _ in tensor_table(c))


def write_model(path, name, c, p):
    """core/aefile.c: "\\x89CRM", u16 version 1, u16 flags, u32 meta_len, u32 ntensors,
    metadata, tensor table, XXH3 of all that, zeros up to a multiple of 64, the fp32
    parameters in table order, XXH3 of the parameters."""
    table = tensor_table(c)
    meta = meta_bytes([("model.name", name)] +
                      [(k, c[f]) for f, k in CONFIG_KEYS + LATER_KEYS] +
                      [(k, c[f]) for f, k in SET_KEYS if c.get(f, 0) != 0])
    hdr = b"\x89CRM" + struct.pack("<HHII", 1, 0, len(meta), len(table)) + meta
    off = 0
    for tname, rows, cols in table:
        size = rows * cols * 4
        nb = tname.encode()
        hdr += struct.pack("<B", len(nb)) + nb + struct.pack("<BB", DTYPE_F32,
                                                              1 if cols == 1 else 2)
        hdr += struct.pack("<I", rows) if cols == 1 else struct.pack("<II", rows, cols)
        hdr += struct.pack("<QQ", off, size)
        off += size
    hdr += struct.pack("<Q", xxh3(hdr))
    hdr += b"\0" * (-len(hdr) % ALIGN)
    data = param_bytes(c, p)
    assert len(data) == off
    with open(path, "wb") as f:
        f.write(hdr + data + struct.pack("<Q", xxh3(data)))
    return model_check(c, data)


def model_check(c, data):
    """core/ae_fwd.c cr_ae_rehash: XXH3 of the fp32 parameters, seeded with the XXH3 of
    the config as 12 little-endian u32 (vocab width heads enc dec ffn block latents tied
    zattn pool zskip), then a 13th, bind, when bind is set or zsplit > 1, a 14th,
    zsplit, when zsplit > 1, asm and asm_short when asm > 0, and asm_in when set."""
    zsplit = max(c.get("zsplit", 0), 1)
    words = [c[f] for f in ("V", "C", "NH", "Le", "Ld", "F", "L", "M", "tied", "zattn",
                            "pool", "zskip")] + [c.get("bind", 0), zsplit, c.get("asm", 0),
                                                 c.get("asm_short", 0), c.get("asm_in", 0)]
    nw = 17 if c.get("asm_in") else 16 if c.get("asm") else 14 if zsplit > 1 else \
        13 if c.get("bind") else 12
    cfg = struct.pack("<%dI" % nw, *words[:nw])
    return xxhash.xxh3_64_intdigest(data, seed=xxh3(cfg))


def write_state(path, meta, tensors):
    """core/stream.c: header (magic, u16 version 1, u16 kind, u32 meta_len, metadata,
    XXH3), records (u32 len, u16 type, u16 flags 0, u64 seq, payload, XXH3), end record."""
    m = meta_bytes(meta)
    hdr = b"\x89CRS" + struct.pack("<HHI", 1, KIND_MODEL, len(m)) + m
    out = hdr + struct.pack("<Q", xxh3(hdr))

    def record(rtype, seq, payload):
        r = struct.pack("<IHHQ", len(payload), rtype, 0, seq) + payload
        return r + struct.pack("<Q", xxh3(r))

    for seq, (name, t) in enumerate(tensors):
        v = t.detach().reshape(-1).to(torch.float32).numpy().astype("<f4")
        nb = name.encode()
        out += record(REC_TENSOR, seq, struct.pack("<H", len(nb)) + nb +
                      struct.pack("<I", v.size) + v.tobytes())
    out += record(REC_END, len(tensors), b"")
    with open(path, "wb") as f:
        f.write(out)


# ---- training (core/train.c) ---------------------------------------------------------

def train_loss(c, p, ids, bow):
    """The loss of cr_train_backward over full blocks ids (B,L): mean CE over the B*L
    positions plus bow times the mean over blocks of the bag-of-words CE, whose logits are
    the mean of z's S rows (M * zsplit) times the head and whose target is the block's
    token counts over L. Returns (loss, ce, bow_ce), nats."""
    B, L, V = ids.shape[0], c["L"], c["V"]
    head = p["tok_emb"] if c["tied"] or c.get("asm") else p["head"]
    ce, bag = 0.0, 0.0
    for b in range(B):
        z = encode(c, p, ids[b])
        ce = ce + Fn.cross_entropy(decode(c, p, z, L), ids[b], reduction="sum")
        q = torch.bincount(ids[b], minlength=V).to(z.dtype) / L
        if bow:  # (none with adaptive input: tok_emb is not a full embedding)
            bag = bag - (q * torch.log_softmax(z.mean(dim=0) @ head.T, dim=-1)).sum()
    ce, bag = ce / (B * L), torch.as_tensor(bag / B)
    return ce + bow * bag, ce, bag


def train_run(c, p0, ids, dtype):
    """crtrain's loop on one batch: zero_grad, backward, clip, AdamW, TRAIN["steps"] times.
    Returns the gradient of the first step (flat, slab order) and per-step loss, ce, bow
    and the gradient norm before clipping."""
    h = TRAIN
    table = tensor_table(c)
    p = {k: v.to(dtype).clone().requires_grad_(k != "asm_order") for k, v in p0.items()}
    # a tied head is tok_emb: no entry of its own; the token order is data, not trained
    table = [t for t in table if t[0] != "asm_order"]
    leaves = [p[name] for name, _, _ in table]
    tail = torch.zeros(c["V"] * 3 if c.get("asm") else 0, dtype=dtype)  # its gradient
    # cr_train_new: matrices decay; vectors, positions, latent slots and bind do not
    decays = [rows > 1 and cols > 1 and "pos" not in name and "lat" not in name and
              "bind" not in name for name, rows, cols in table]
    opt = torch.optim.AdamW(
        [{"params": [x for x, d in zip(leaves, decays) if d], "weight_decay": h["wd"]},
         {"params": [x for x, d in zip(leaves, decays) if not d], "weight_decay": 0.0}],
        lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"])
    grad, out = None, {"loss": [], "ce": [], "bow": [], "gnorm": []}
    for _ in range(h["steps"]):
        opt.zero_grad(set_to_none=False)
        loss, ce, bag = train_loss(c, p, ids, bow_of(c))
        loss.backward()
        if grad is None:
            grad = torch.cat([x.grad.reshape(-1) for x in leaves] + [tail]).detach().clone()
        # cr_train_clip: the norm in double, one float scale max/norm when it is larger
        # (torch's clip_grad_norm_ would divide by norm + 1e-6)
        norm = math.sqrt(sum((x.grad.double() ** 2).sum().item() for x in leaves))
        if norm > h["clip"]:
            s = torch.tensor(h["clip"] / norm, dtype=dtype)
            for x in leaves:
                x.grad.mul_(s)
        opt.step()
        for k, v in (("loss", loss), ("ce", ce), ("bow", bag)):
            out[k].append(v.item())
        out["gnorm"].append(norm)
    return grad, out


def bow_of(c):
    """The fixture's bag-of-words weight: none with adaptive input."""
    return 0.0 if c.get("asm_in") else TRAIN["bow"]


def train_fixture(name, c, p, check, seed):
    h = TRAIN
    g = torch.Generator().manual_seed(200 + seed)
    ids = torch.randint(0, c["V"], (h["B"], c["L"]), generator=g)
    grad, out = train_run(c, p, ids, torch.float32)
    grad64, out64 = train_run(c, p, ids, torch.float64)
    repeats = max(torch.bincount(ids[b]).max().item() for b in range(h["B"]))
    write_state(os.path.join(HERE, name + "_train.state"),
                [("ref.model", name + ".crm"), ("block.tokens", c["L"]),
                 ("model.check", check), ("train.B", h["B"]), ("train.steps", h["steps"])] +
                [("train.bow", bow_of(c))] +
                [("train." + k, float(h[k])) for k in ("lr", "beta1", "beta2", "eps",
                                                       "wd", "clip")],
                [("ids", ids.reshape(-1).float()), ("grad", grad)] +
                [(k, torch.tensor(out[k])) for k in ("loss", "ce", "bow", "gnorm")])
    def rel(keys):
        return max(abs(a - b) / abs(b) if b else abs(a) for k in keys
                   for a, b in zip(out[k], out64[k]))
    print("%s_train: B=%d, a token up to %d times in a block; loss %.5f -> %.5f (ce %.5f -> "
          "%.5f, bow %.5f -> %.5f), gnorm %.3g; fp32 vs fp64: grad %.2g, losses %.2g and "
          "gnorms %.2g relative" % (name, h["B"], repeats, out["loss"][0], out["loss"][-1],
                                    out["ce"][0], out["ce"][-1], out["bow"][0], out["bow"][-1],
                                    out["gnorm"][0], (grad.double() - grad64).abs().max(),
                                    rel(("loss", "ce", "bow")), rel(("gnorm",))))


# ---- fixtures ------------------------------------------------------------------------

def main(argv):
    for name in argv[1:]:
        if name not in MODELS:
            sys.stderr.write("gen_ref.py: no model %s (%s)\n" % (name, " ".join(MODELS)))
            return 2
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for name, (c, seed, short, train) in MODELS.items():
        if len(argv) > 1 and name not in argv[1:]:
            continue
        p = init_params(c, seed)
        check = write_model(os.path.join(HERE, name + ".crm"), name, c, p)
        p64 = {k: v.double() for k, v in p.items()}
        g = torch.Generator().manual_seed(100 + seed)
        for tag, n in (("full", c["L"]), ("short", short)):
            ids = torch.randint(0, c["V"], (n,), generator=g)
            with torch.no_grad():
                z = encode(c, p, ids)
                logits = decode(c, p, z, n)
                logp = torch.log_softmax(logits, dim=-1).gather(1, ids[:, None])[:, 0]
                # the float64 twin measures how far float32 rounding alone moves things
                z64 = encode(c, p64, ids)
                logits64 = decode(c, p64, z64, n)
            top2 = logits.topk(2, dim=-1).values
            gap = (top2[:, 0] - top2[:, 1]).min().item()
            if gap < 1e-4:  # test_ref.c accepts either token of a tie within 1e-5 + 1e-4|x|
                print("warning: %s_%s: near-tie of %.2g in the argmax" % (name, tag, gap))
            write_state(os.path.join(HERE, "%s_%s.state" % (name, tag)),
                        [("ref.model", name + ".crm"), ("block.tokens", n),
                         ("model.check", check)],
                        [("ids", ids.float()), ("z", z), ("logits", logits), ("logp", logp),
                         ("argmax", logits.argmax(dim=-1).float())])
            print("%s_%s: n=%d |z|max %.3g, logits in [%.3g, %.3g], smallest top-2 gap "
                  "%.3g; fp32 vs fp64: z %.2g, logits %.2g"
                  % (name, tag, n, z.abs().max(), logits.min(), logits.max(), gap,
                     (z.double() - z64).abs().max(), (logits.double() - logits64).abs().max()))
        if train:
            train_fixture(name, c, p, check, seed)
    print("torch %s, wrote %s" % (torch.__version__, HERE))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
