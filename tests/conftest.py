import os

import pytest
import torch

# Two cores are shared with the app server in browser tests; one thread keeps timings steady.
torch.set_num_threads(1)
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
