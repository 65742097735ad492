"""The device models run on, and the warm-up that imports torch and the networks in the background.

The home page never imports torch; after it is drawn, ``warm_up`` loads what /text needs first (a class goes
there first), then the rest. Each domain service says what it needs warmed in its own ``warm_up()``: this
module names services, never pages.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    import torch

_device_lock = threading.Lock()
_device: tuple[torch.device, str | None] | None = None
_warm_up_started = threading.Event()
# In this order: torch and the date models, then the services of /text (a decode, a heatmap, the beam tree),
# then the captioners and the Transformer: the captioner alone takes over a second (torchvision), and /text's
# first heatmap waited for it.
WARM_UP_MODULES = ("torch", "models.registry", "models.seq2seq")
WARM_UP_SERVICES = ("app.services.text", "app.services.images")
# Threads per torch operation in the app. Our models are small and many sessions decode at once, each in its own
# script thread: one thread per operation lets them run side by side. On a 2-core machine busy with other work,
# two threads per operation made a date decode about 20 times slower than one (the threads wait for each other).
# $ATTENTION_LENS_TORCH_THREADS overrides it.
TORCH_THREADS = int(os.environ.get("ATTENTION_LENS_TORCH_THREADS", "1"))


def _resolve_device() -> tuple[torch.device, str | None]:
    """Import torch and pick the device, once per process (the warm-up thread or the first page that needs it)."""
    global _device  # noqa: PLW0603 -- one device per process, set once under the lock
    with _device_lock:
        if _device is None:
            import torch

            from models import registry

            torch.set_num_threads(TORCH_THREADS)

            try:
                _device = registry.resolve_device(), None
            except registry.DeviceError as err:
                _device = torch.device("cpu"), str(err)
        return _device


@st.cache_resource(show_spinner=False)
def compute_device() -> tuple[torch.device, str | None]:
    """(the device models run on, a problem with $ATTENTION_LENS_DEVICE to show, or None)."""
    return _resolve_device()


def _label_without_torch() -> str | None:
    """'CPU' when no GPU can be there (nothing asked for, and no GPU driver on this machine); else None."""
    wanted = os.environ.get("ATTENTION_LENS_DEVICE", "auto").strip().lower()
    if wanted == "cpu":
        return "CPU"
    drivers = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/kfd")  # CUDA, and ROCm's builds of torch
    if wanted == "auto" and (sys.platform == "darwin" or not any(Path(p).exists() for p in drivers)):
        return "CPU"
    return None


def device_label() -> str | None:
    """'CPU' or 'CUDA · <GPU name>' for the sidebar; None while only torch can tell and it is still loading."""
    if _device is not None:
        from models import registry

        return registry.device_label(_device[0])
    return _label_without_torch()


def device_problem() -> str | None:
    """What is wrong with $ATTENTION_LENS_DEVICE, once the device is known (None before, or when all is well)."""
    return _device[1] if _device is not None else None


def warmed_up() -> bool:
    """Whether torch is loaded and the device is known."""
    return _device is not None


def warm_up(delay_s: float = 0.0) -> None:
    """Once per server, in a background thread: import torch and the networks and pick the device, then let
    each service of WARM_UP_SERVICES warm what it needs, so that the first page with a model does not wait.
    Called after a page has been drawn. ``ATTENTION_LENS_WARM_UP=0`` turns it off (torch then loads with the
    first page that needs it)."""
    if _warm_up_started.is_set() or os.environ.get("ATTENTION_LENS_WARM_UP", "1") == "0":
        return
    _warm_up_started.set()
    # pandas here, in the page's own thread, never in the background: Plotly looks pandas up in sys.modules while
    # it validates a figure, and another session's page would find it half-imported (AttributeError) meanwhile.
    importlib.import_module("pandas")

    def work() -> None:
        time.sleep(delay_s)
        try:
            for module in WARM_UP_MODULES:
                importlib.import_module(module)
            _resolve_device()
            for service in WARM_UP_SERVICES:
                importlib.import_module(service).warm_up()
        except BaseException:  # the page that needs it will raise it again, where it can be shown
            if not sys.is_finalizing():
                logging.getLogger(__name__).warning("warm-up failed", exc_info=True)

    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    thread = threading.Thread(target=work, name="attention-lens-warm-up", daemon=True)
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None:  # the caches (st.cache_resource, st.cache_data) are used from a thread of this session
        add_script_run_ctx(thread, ctx)
    thread.start()
