"""A Streamlit session without a browser: the websocket protocol the frontend speaks, in Python.

One ``StreamlitClient`` is one browser tab as the server sees it. It opens ``/_stcore/stream`` (the
"streamlit" subprotocol), asks for a run of a page (``BackMsg.rerun_script`` with a ``ClientState``), and
reads ``ForwardMsg``s until the run's ``script_finished``. The elements the run drew (``delta.new_element``,
by their delta path) come back as a ``Run``; the widgets among them are remembered by their user key
(a widget's id is ``$$ID-<hash>-<key>``), so that the next rerun can set a value (``WidgetState``) or press
a button (``trigger_value``) the way the frontend does. A fragment that asks to be rerun on a timer
(``auto_rerun``, e.g. the live-training panel) is rerun on that timer while ``follow_auto_reruns`` is on.

Images are fetched like a browser does (``/media/...``) when ``fetch_media`` is on. Uploads (an HTTP PUT
with an XSRF token) are not spoken: testkit.loadclient uses typed dates and gallery pictures.

    client = StreamlitClient("http://127.0.0.1:8501")
    run = await client.open("text")                       # the /text page, as a new browser tab
    run = await client.rerun({"text_input_date": "2/10/93"})
    run.markdown()                                         # every markdown body this run drew
    await client.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {  # ForwardMsg.ScriptFinishedStatus -> whether the run we waited for is over
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
}
WIDGET_KINDS = {  # element type -> how its value travels in a WidgetState (see WidgetStates.proto)
    "text_input": "string_value",
    "text_area": "string_value",
    "checkbox": "bool_value",
    "slider": "double_array_value",
    "number_input": "double_value",
    "button": "trigger_value",
    "tab_container": "string_value",  # the open tab's label
}


class ProtocolError(Exception):
    """The server closed the session, or a run ended in a way the client cannot use."""


@dataclass
class Run:
    """What one script run drew, how long it took and how much came over the wire."""

    ms: float = 0.0  # from the BackMsg being sent to the run's script_finished
    status: str = ""
    elements: dict[tuple[int, ...], Any] = field(default_factory=dict)  # delta path -> Element proto
    bytes: int = 0
    messages: int = 0
    media_ms: float = 0.0  # fetching the run's images afterwards, when asked to

    def of_kind(self, kind: str) -> list[Any]:
        """The protos of every element of ``kind`` (e.g. "markdown", "alert", "plotly_chart"), in page order."""
        return [getattr(e, kind) for _, e in sorted(self.elements.items()) if e.WhichOneof("type") == kind]

    def markdown(self) -> list[str]:
        return [m.body for m in self.of_kind("markdown")]

    def alerts(self) -> list[tuple[str, str]]:
        """(level, text) of every st.error / warning / info / success: level as "ERROR", "WARNING", ..."""
        return [(type(a).Format.Name(a.format), a.body) for a in self.of_kind("alert")]

    def exceptions(self) -> list[str]:
        return [f"{e.type}: {e.message}" for e in self.of_kind("exception")]

    def image_urls(self) -> list[str]:
        return [img.url for imgs in self.of_kind("imgs") for img in imgs.imgs]

    def widget(self, key: str) -> Any | None:
        """The proto of the widget with user key ``key`` drawn in this run, or None."""
        for element in self.elements.values():
            kind = element.WhichOneof("type")
            proto = getattr(element, kind)
            if getattr(proto, "id", "").endswith(f"-{key}"):
                return proto
        return None


class StreamlitClient:
    """One session of the app over its websocket (see the module's docstring)."""

    def __init__(self, base_url: str, *, fetch_media: bool = False, timeout_s: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.fetch_media = fetch_media
        self.timeout_s = timeout_s
        self.pages: dict[str, str] = {}  # url path ("" for home) -> page_script_hash, from the navigation
        self.page = ""  # the url path of the page shown
        self.widget_ids: dict[str, tuple[str, str]] = {}  # user key -> (widget id, element type), last seen
        self.values: dict[str, WidgetState] = {}  # widget id -> the value this client set, sent with every run
        self.widget_fragments: dict[str, str] = {}  # user key -> the fragment the widget is drawn in ("" none)
        self.follow_auto_reruns = True
        self.cookie = ""  # from the page's HTML response; sent with the websocket and media requests
        self.last_run: Run | None = None  # the latest run, a fragment's timer run included
        self._ws = None
        self._queue: asyncio.Queue[tuple[ForwardMsg, int] | None] = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, asyncio.Task] = {}  # fragment id -> its auto-rerun task
        self._epoch = 0  # full runs so far: a fragment timer of an earlier run stops (as the frontend's does)
        self._send_lock = asyncio.Lock()
        self._run_lock = asyncio.Lock()

    # ------------------------------------------------------------------ the connection

    async def open(self, path: str = "", query: str = "") -> Run:
        """Connect as a new browser tab on page ``path`` ("" home, "text", "image", ...) and run it."""
        from websockets.asyncio.client import connect

        await asyncio.to_thread(self._load_page, path, query)
        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else None
        self._ws = await asyncio.wait_for(
            connect(
                ws_url,
                subprotocols=["streamlit"],
                max_size=None,
                open_timeout=self.timeout_s,
                additional_headers=headers,
            ),
            self.timeout_s,
        )
        self._reader = asyncio.create_task(self._read())
        self.page = path
        return await self._run(page_name=path, query=query)

    async def close(self) -> None:
        for task in self._timers.values():
            task.cancel()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                if msg.WhichOneof("type") == "auto_rerun":
                    self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
                elif msg.WhichOneof("type") == "stop_auto_rerun":
                    self._stop_timer(msg.stop_auto_rerun.fragment_id)
                await self._queue.put((msg, len(data)))
        finally:
            await self._queue.put(None)  # the server closed the session

    async def _send(self, back: BackMsg) -> None:
        async with self._send_lock:
            await self._ws.send(back.SerializeToString())

    # ------------------------------------------------------------------ runs

    async def rerun(
        self, values: dict[str, Any] | None = None, *, press: str | None = None, page: str | None = None
    ) -> Run:
        """Set widgets by user key (``values``), press the button ``press``, or go to ``page``; run; wait."""
        if page is not None:
            self.page, self.values = page, {}
            return await self._run(page_hash=self.pages[page])
        for key, value in (values or {}).items():
            self._set(key, value)
        trigger = self._state(press, True) if press else None
        # a widget inside a fragment reruns only that fragment, as in the browser
        fragments = {self.widget_fragments.get(k, "") for k in [*(values or {}), *([press] if press else [])]}
        return await self._run(trigger=trigger, fragment=fragments.pop() if len(fragments) == 1 else "")

    def _set(self, key: str, value: Any) -> None:
        state = self._state(key, value)
        self.values[state.id] = state

    def _state(self, key: str, value: Any) -> WidgetState:
        if key not in self.widget_ids:
            raise ProtocolError(f"no widget with key {key!r} on /{self.page} (seen: {sorted(self.widget_ids)})")
        widget_id, kind = self.widget_ids[key]
        if kind not in WIDGET_KINDS:
            raise ProtocolError(f"widget {key!r} is a {kind}; this client sets {sorted(WIDGET_KINDS)}")
        state = WidgetState(id=widget_id)
        slot = WIDGET_KINDS[kind]
        if slot == "double_array_value":
            state.double_array_value.data.extend([float(v) for v in value] if isinstance(value, list) else [value])
        else:
            setattr(state, slot, value)
        return state

    async def _run(
        self,
        *,
        page_name: str = "",
        page_hash: str = "",
        query: str = "",
        trigger: WidgetState | None = None,
        fragment: str = "",
    ) -> Run:
        """Send one rerun_script and collect the messages until its script_finished."""
        async with self._run_lock:
            back = BackMsg()
            state = back.rerun_script
            state.query_string = query
            state.page_name = page_name
            state.page_script_hash = page_hash or self.pages.get(self.page, "")
            state.fragment_id = fragment
            state.is_auto_rerun = bool(fragment)
            state.widget_states.widgets.extend(list(self.values.values()) + ([trigger] if trigger else []))
            self._drain()
            if not fragment:
                self._epoch += 1
            start = time.perf_counter()
            await self._send(back)
            # a fragment that a full run removed gets no answer: its timer stops after a short wait
            run = await asyncio.wait_for(self._collect(), min(self.timeout_s, 5) if fragment else self.timeout_s)
            run.ms = (time.perf_counter() - start) * 1000
            self.last_run = run
        if self.fetch_media and run.image_urls():
            media_start = time.perf_counter()
            await asyncio.gather(*(asyncio.to_thread(self._get, url) for url in run.image_urls()))
            run.media_ms = (time.perf_counter() - media_start) * 1000
        return run

    def _drain(self) -> None:
        """Forget messages that arrived between runs (a fragment's timer run, a heartbeat)."""
        while not self._queue.empty():
            if self._queue.get_nowait() is None:
                raise ProtocolError("the server closed the session")

    async def _collect(self) -> Run:
        run = Run()
        while True:
            item = await self._queue.get()
            if item is None:
                raise ProtocolError("the server closed the session during a run")
            msg, size = item
            run.bytes += size
            run.messages += 1
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(run, tuple(msg.metadata.delta_path), msg.delta.new_element, msg.delta.fragment_id)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
                self._block(msg.delta.add_block, msg.delta.fragment_id)
            elif kind == "page_not_found":
                raise ProtocolError(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "script_finished" and msg.script_finished in FINISHED:
                run.status = FINISHED[msg.script_finished]
                return run

    def _element(self, run: Run, path: tuple[int, ...], element: Any, fragment_id: str) -> None:
        run.elements[path] = element
        kind = element.WhichOneof("type")
        widget_id = getattr(getattr(element, kind), "id", "")
        if widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[-1]
            if key != "None":
                self.widget_ids[key] = (widget_id, kind)
                self.widget_fragments[key] = fragment_id

    def _block(self, block: Any, fragment_id: str) -> None:
        """Tabs that keep state (``st.tabs(key=..., on_change=...)``) are a widget too: the open tab's label."""
        widget_id = block.tab_container.id if block.WhichOneof("type") == "tab_container" else ""
        if widget_id.startswith("$$ID-") and widget_id.split("-", 2)[-1] != "None":
            self.widget_ids[widget_id.split("-", 2)[-1]] = (widget_id, "tab_container")
            self.widget_fragments[widget_id.split("-", 2)[-1]] = fragment_id

    def _get(self, url: str) -> int:
        full = url if url.startswith("http") else f"{self.base_url}/{url.lstrip('/')}"
        request = urllib.request.Request(full, headers={"Cookie": self.cookie} if self.cookie else {})
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            return len(response.read())

    def _load_page(self, path: str, query: str) -> None:
        """GET the page's HTML, as a browser does first, keeping its cookies (a proxy in front of several
        app processes sets one to send this session's requests to the same process: deploy/)."""
        url = f"{self.base_url}/{path}" + (f"?{query}" if query else "")
        with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
            response.read()
            cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
        self.cookie = "; ".join(cookies)

    # ------------------------------------------------------------------ fragments on a timer

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        self._stop_timer(fragment_id)
        if self.follow_auto_reruns:
            self._timers[fragment_id] = asyncio.create_task(self._tick(fragment_id, interval))

    def _stop_timer(self, fragment_id: str) -> None:
        task = self._timers.pop(fragment_id, None)
        if task is not None:
            task.cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        """Rerun one fragment every ``interval`` seconds, as the frontend does for ``run_every``, until the
        next full run (which asks again if the fragment still wants it)."""
        epoch = self._epoch
        while True:
            await asyncio.sleep(interval)
            if epoch != self._epoch:
                return
            try:
                await self._run(fragment=fragment_id)
            except (ProtocolError, TimeoutError):
                return
