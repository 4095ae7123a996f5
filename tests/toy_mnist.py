"""A tiny synthetic MNIST for training tests: each digit lights up its own rows of pixels, so
a model learns it in a few steps (the tests' accuracy thresholds rely on that)."""

import torch


def toy_data(n: int = 512, m: int = 128, seed: int = 0):
    """(train images, train labels, test images, test labels): n training and m test images."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (n + m,), generator=g)
    images = torch.rand(n + m, 1, 28, 28, generator=g) * 0.3
    for digit in range(10):
        images[labels == digit, 0, 2 * digit : 2 * digit + 3, :] += 0.7
    return images[:n], labels[:n], images[n:], labels[n:]
