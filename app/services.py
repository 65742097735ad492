"""The cached doors between pages and models/: devices, model loading, decoding, input checks.

Pages call these and draw what comes back; nothing here draws except messages.
"""

from __future__ import annotations

import streamlit as st
import torch

from models import registry


@st.cache_resource(show_spinner=False)
def compute_device() -> tuple[torch.device, str | None]:
    """(the device models run on, a problem with $ATTENTION_LENS_DEVICE to show, or None)."""
    try:
        return registry.resolve_device(), None
    except registry.DeviceError as err:
        return torch.device("cpu"), str(err)


def device_label() -> str:
    """'CPU' or 'CUDA · <GPU name>' for the sidebar."""
    return registry.device_label(compute_device()[0])
