"""Peer-style models for `bench/peers.py`, written here after what torchviz, torchview, torchlens
and torchvision exercise: each case builds a model, runs its forward once and returns the output
to draw and the named tensors both tools are given.

A case returns `(out, params)`; one that this torch or capture cannot do raises `Skip`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint

Case = tuple[torch.Tensor, dict[str, torch.Tensor]]


class Skip(Exception):
    """This case cannot run here (the reason is the message)."""


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock: one `self.relu` instance, called twice per block.
    torchvision's ReLU works in place, which torchviz's `show_saved` cannot read (the tensors
    saved before it were overwritten); `inplace=False` is the case both tools can draw."""

    def __init__(self, cin: int, cout: int, stride: int = 1, inplace: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=inplace)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        idt = x if self.down is None else self.down(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + idt)


class ResNet(nn.Module):
    def __init__(self, blocks: tuple[int, ...], width: int = 8, inplace: bool = False):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width))
        self.relu = nn.ReLU(inplace=inplace)  # reused: after the stem and before the head
        layers, c = [], width
        for i, n in enumerate(blocks):
            cout = width * 2**i
            layers += [BasicBlock(c, cout, 1 if i == 0 else 2, inplace)]
            layers += [BasicBlock(cout, cout, 1, inplace) for _ in range(n - 1)]
            c = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(c, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layers(self.relu(self.stem(x)))
        return self.fc(self.relu(x).mean((2, 3)))


class UNet(nn.Module):
    """Three levels down (conv, pool), three up (transposed conv, concat with the skip)."""

    def __init__(self, c: int = 4, levels: int = 3):
        super().__init__()
        self.down = nn.ModuleList()
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        chans = [3] + [c * 2**i for i in range(levels + 1)]
        for cin, cout in zip(chans, chans[1:], strict=False):
            self.down.append(nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()))
        for cout in reversed(chans[1:-1]):
            self.up.append(nn.ConvTranspose2d(cout * 2, cout, 2, stride=2))
            self.merge.append(nn.Sequential(nn.Conv2d(cout * 2, cout, 3, padding=1), nn.ReLU()))
        self.head = nn.Conv2d(chans[1], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for up, merge in zip(self.up, self.merge, strict=True):
            x = merge(torch.cat([up(x), skips.pop()], 1))
        return torch.sigmoid(self.head(x))


class DenseBlock(nn.Module):
    """DenseNet: each layer sees every earlier feature map; the bottleneck is checkpointed.
    Non-reentrant checkpoints pack saved tensors with a hook: reading one (`show_saved`, in
    both tools) re-runs the layer's forward, BatchNorm statistics included."""

    def __init__(self, cin: int, growth: int, layers: int, reentrant: bool):
        super().__init__()
        self.reentrant = reentrant
        self.layers = nn.ModuleList(
            nn.Sequential(
                nn.BatchNorm2d(cin + i * growth),
                nn.ReLU(),
                nn.Conv2d(cin + i * growth, growth, 3, padding=1),
            )
            for i in range(layers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for layer in self.layers:
            joined = torch.cat(feats, 1)
            feats.append(checkpoint(layer, joined, use_reentrant=self.reentrant))
        return torch.cat(feats, 1)


def densenet(reentrant: bool, blocks: int = 3, layers: int = 4) -> nn.Module:
    mods, c = [nn.Conv2d(3, 8, 3, padding=1)], 8
    for _ in range(blocks):
        mods += [
            DenseBlock(c, 4, layers, reentrant),
            nn.Conv2d(c + 4 * layers, 8, 1),
            nn.AvgPool2d(2),
        ]
        c = 8
    return nn.Sequential(*mods, nn.Flatten(), nn.LazyLinear(10))


class Recurrent(nn.Module):
    """An LSTM or GRU layer (one fused op) or its cell unrolled step by step (a long chain)."""

    def __init__(self, kind: str, unrolled: bool):
        super().__init__()
        self.unrolled = unrolled
        cls = {"lstm": (nn.LSTM, nn.LSTMCell), "gru": (nn.GRU, nn.GRUCell)}[kind][unrolled]
        self.rnn = cls(8, 16) if unrolled else cls(8, 16, num_layers=2, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.unrolled:
            return self.head(self.rnn(x)[0][:, -1])
        state = None
        for t in range(x.shape[1]):
            state = self.rnn(x[:, t], state)
        h = state[0] if isinstance(state, tuple) else state
        return self.head(h)


class _Clamp(torch.autograd.Function):
    """A custom Function whose ctx holds tensors and plain attributes, as in torchviz's tests."""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high, ctx.note = low, high, {"bounds": (low, high)}
        return x.clamp(low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((x >= ctx.low) & (x <= ctx.high)), None, None


class CustomChain(nn.Module):
    def __init__(self, depth: int = 40):
        super().__init__()
        self.lins = nn.ModuleList(nn.Linear(16, 16) for _ in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, lin in enumerate(self.lins):
            x = _Clamp.apply(lin(x), -1.0 - i / 100, 1.0)
        return x


def _module_case(build: Callable[[], nn.Module], *shape: int) -> Callable[[], Case]:
    def case() -> Case:
        torch.manual_seed(0)
        model = build()
        out = model(torch.randn(*shape))
        return out.float().pow(2).mean(), dict(model.named_parameters())

    return case


def _nested(layout: torch.layout) -> Callable[[], Case]:
    def case() -> Case:
        torch.manual_seed(0)
        a, b = torch.randn(3, 4, requires_grad=True), torch.randn(5, 4, requires_grad=True)
        try:
            nt = torch.nested.as_nested_tensor([a, b], layout=layout)
            out = (nt * 2).relu().to_padded_tensor(0.0).sum()
        except (RuntimeError, NotImplementedError) as e:
            raise Skip(f"this torch cannot build it: {str(e)[:60]}") from e
        return out, {"a": a, "b": b}

    return case


def _transformer(depth: int) -> nn.Module:
    layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)


def _grad_penalty() -> Case:
    """A double-backward graph: the gradient norm of an MLP's output, as WGAN-GP trains on."""
    torch.manual_seed(0)
    model = nn.Sequential(*(m for _ in range(6) for m in (nn.Linear(16, 16), nn.Tanh())))
    x = torch.randn(4, 16, requires_grad=True)
    (g,) = torch.autograd.grad(model(x).sum(), x, create_graph=True)
    return (g.norm(dim=1) - 1).pow(2).mean(), dict(model.named_parameters())


CASES: dict[str, Callable[[], Case]] = {
    "resnet18-reused-relu": _module_case(lambda: ResNet((2, 2, 2, 2)), 2, 3, 16, 16),
    "resnet34-depth-relu": _module_case(lambda: ResNet((3, 4, 6, 3)), 1, 3, 16, 16),
    "resnet101-depth-relu": _module_case(lambda: ResNet((3, 4, 23, 3)), 1, 3, 16, 16),
    "resnet18-inplace-relu": _module_case(lambda: ResNet((2, 2, 2, 2), inplace=True), 2, 3, 8, 8),
    "unet-3": _module_case(UNet, 1, 3, 16, 16),
    "densenet-ckpt-reentrant": _module_case(lambda: densenet(True), 1, 3, 16, 16),
    "densenet-ckpt": _module_case(lambda: densenet(False), 1, 3, 16, 16),
    "lstm-2layer": _module_case(lambda: Recurrent("lstm", False), 2, 20, 8),
    "gru-2layer": _module_case(lambda: Recurrent("gru", False), 2, 20, 8),
    "lstmcell-100-steps": _module_case(lambda: Recurrent("lstm", True), 2, 100, 8),
    "grucell-100-steps": _module_case(lambda: Recurrent("gru", True), 2, 100, 8),
    "transformer-2": _module_case(lambda: _transformer(2), 2, 5, 16),
    "transformer-12": _module_case(lambda: _transformer(12), 2, 5, 16),
    "custom-function-40": _module_case(CustomChain, 4, 16),
    "grad-penalty": _grad_penalty,
    "nested-strided": _nested(torch.strided),
    "nested-jagged": _nested(torch.jagged),
}
