"""Progressive-Transformer-style gloss -> pose model (torch; training and export only).

Encoder over gloss tokens; autoregressive decoder over frames of 150 joint values + 1 progress counter
(the counter is both the decoder's positional signal and its stop signal, as in Saunders et al. 2020).
Attention is written out by hand (no fused kernels) so the ONNX export is plain MatMul/Softmax and takes
any gloss and frame count (dynamic axes).
"""
import math

import torch
from torch import nn

N_FEAT = 151


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)

    def forward(self, x, mem, bias=None):
        B, T, D = x.shape
        S = mem.shape[1]
        hd = D // self.h
        q = self.q(x).view(B, T, self.h, hd).transpose(1, 2)
        k = self.k(mem).view(B, S, self.h, hd).transpose(1, 2)
        v = self.v(mem).view(B, S, self.h, hd).transpose(1, 2)
        a = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if bias is not None:
            a = a + bias
        y = torch.softmax(a, -1) @ v
        return self.o(y.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    def __init__(self, d, heads, ff, cross=False, dropout=0.1):
        super().__init__()
        self.n1 = nn.LayerNorm(d)
        self.att = Attention(d, heads)
        self.cross = cross
        if cross:
            self.n2 = nn.LayerNorm(d)
            self.xatt = Attention(d, heads)
        self.n3 = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, self_bias=None, mem=None, mem_bias=None):
        h = self.n1(x)
        x = x + self.drop(self.att(h, h, self_bias))
        if self.cross:
            x = x + self.drop(self.xatt(self.n2(x), mem, mem_bias))
        return x + self.drop(self.ff(self.n3(x)))


def sinusoid(n, d, device=None):
    pos = torch.arange(n, dtype=torch.float32, device=device)[:, None]
    i = torch.arange(0, d, 2, dtype=torch.float32, device=device)[None]
    ang = pos / torch.pow(torch.tensor(10000.0, device=device), i / d)
    pe = torch.zeros(n, d, device=device)
    pe[:, 0::2] = torch.sin(ang)
    pe[:, 1::2] = torch.cos(ang)
    return pe


class ProgressiveTransformer(nn.Module):
    def __init__(self, vocab_size, d=64, heads=4, ff=128, layers=2, dropout=0.1, residual=False):
        super().__init__()
        self.d = d
        self.residual = residual
        self.emb = nn.Embedding(vocab_size, d, padding_idx=0)
        self.enc = nn.ModuleList([Block(d, heads, ff, False, dropout) for _ in range(layers)])
        self.enc_norm = nn.LayerNorm(d)
        self.inp = nn.Linear(N_FEAT, d)           # counter embedding: the counter is one of the inputs
        self.dec = nn.ModuleList([Block(d, heads, ff, True, dropout) for _ in range(layers)])
        self.dec_norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, N_FEAT)

    def encode(self, src, src_pad=None):
        S = src.shape[1]
        x = self.emb(src) * math.sqrt(self.d) + sinusoid(S, self.d, src.device)
        bias = None if src_pad is None else (src_pad[:, None, None, :].float() * -1e9)
        for blk in self.enc:
            x = blk(x, bias)
        return self.enc_norm(x), bias

    def decode(self, tgt_in, mem, mem_bias=None):
        T = tgt_in.shape[1]
        causal = torch.triu(torch.ones(T, T, device=tgt_in.device), diagonal=1) * -1e9
        y = self.inp(tgt_in)
        for blk in self.dec:
            y = blk(y, causal, mem, mem_bias)
        out = self.out(self.dec_norm(y))
        # joints: absolute (as Progressive Transformers; a residual on the previous frame integrates drift
        # and diverged in autoregressive decoding here); counter: its own bounded head
        joints = tgt_in[..., :150] + out[..., :150] if self.residual else out[..., :150]
        counter = torch.sigmoid(out[..., 150:]) * 1.05
        return torch.cat([joints, counter], -1)

    def forward(self, src, tgt_in, src_pad=None):
        mem, bias = self.encode(src, src_pad)
        return self.decode(tgt_in, mem, bias)


class StepModel(nn.Module):
    """The exported graph: (gloss ids (1, S), frames so far (1, T, 151)) -> next frames (1, T, 151)."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, src, tgt_in):
        return self.m(src, tgt_in)
