"""The course's glossary: each term in English and Chinese, the PyTorch name it goes by, and a
meaning per language (`assets/lessons/<lang>/glossary.md`, one `<!-- term:<id> -->` part each).

>>> [t.zh for t in TERMS[:3]]
['张量', '计算图', '叶子张量']
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["TERMS", "Term"]


class Term(NamedTuple):
    id: str
    en: str
    zh: str
    code: str  # how PyTorch spells it, "" when it has no one name


TERMS = (
    Term("tensor", "tensor", "张量", "torch.Tensor"),
    Term("graph", "computation graph", "计算图", "grad_fn"),
    Term("leaf", "leaf tensor", "叶子张量", "is_leaf"),
    Term("requires_grad", "requires grad", "需要梯度", "requires_grad"),
    Term("gradient", "gradient", "梯度", ".grad"),
    Term("backward", "backward pass (backpropagation)", "反向传播", ".backward()"),
    Term("forward", "forward pass", "前向传播", "forward()"),
    Term("chain_rule", "chain rule", "链式法则", ""),
    Term("accumulation", "gradient accumulation", "梯度累积", "zero_grad()"),
    Term("broadcasting", "broadcasting", "广播", "torch.broadcast_shapes"),
    Term("dtype", "data type", "数据类型", "dtype"),
    Term("shape", "shape", "形状", ".shape"),
    Term("no_grad", "grad mode off", "关闭梯度模式", "torch.no_grad()"),
    Term("detach", "detach", "分离", ".detach()"),
    Term("saved_tensor", "saved tensor", "保存的张量", "_saved_*"),
    Term("loss", "loss", "损失", "nn.MSELoss, F.cross_entropy"),
    Term("learning_rate", "learning rate", "学习率", "lr"),
    Term("optimizer", "optimizer", "优化器", "torch.optim"),
    Term("dynamic_graph", "dynamic graph (define-by-run)", "动态图", ""),
)
