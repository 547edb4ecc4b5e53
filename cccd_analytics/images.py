"""Plotly figures as PNG through kaleido and the system Chromium, kept warm.

Kaleido 1.x drives a headless Chromium (via choreographer).  Starting it costs a
couple of seconds, so one browser is started on the first request and kept for the
life of the process: later PNGs take a fraction of that.  Everything it loads is
local: plotly.js from the installed plotly package, MathJax off, no CDN.

The browser is the system Chromium: `CCCD_CHROMIUM` if set, else `/usr/bin/chromium`,
else whatever `chromium`/`chromium-browser`/`google-chrome` is on PATH.  Kaleido's
own browser download (`kaleido_get_chrome`) is never used.

The warm renderer lives on its own thread with its own event loop, so it can be
called from any thread (Streamlit runs each session's script on a thread of its own);
calls are serialised, time out instead of hanging, and a crashed browser is restarted
on the next call.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import shutil
import threading
from pathlib import Path

BROWSER_ENV = "CCCD_CHROMIUM"
DEFAULT_BROWSER = "/usr/bin/chromium"
NO_NETWORK_PROXY = "127.0.0.1:9"  # the discard port: nothing listens, nothing is fetched
RENDER_TIMEOUT = 60.0  # one PNG
START_TIMEOUT = 60.0  # starting the browser


class ImageExportError(RuntimeError):
    """A figure could not be turned into a PNG; the message is Vietnamese."""


def browser_path() -> str | None:
    """The Chromium kaleido drives, or None when there is none."""
    wanted = os.environ.get(BROWSER_ENV)
    if wanted:
        return wanted if Path(wanted).is_file() else None
    if Path(DEFAULT_BROWSER).is_file():
        return DEFAULT_BROWSER
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    """True when PNG export can work here: a Chromium for kaleido to drive is found."""
    return browser_path() is not None


def _plotly_js() -> Path:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise ImageExportError(f"Không tìm thấy plotly.js cục bộ ({path}).")
    return path


def page_generator():
    """The page kaleido renders in: local plotly.js, no MathJax, nothing from a CDN."""
    import kaleido

    return kaleido.PageGenerator(plotly=(_plotly_js().as_uri(), "utf-8"), mathjax=False)


class _Renderer:
    """One Kaleido (one Chromium) on a private event-loop thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one render at a time; guards start/stop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None and self._thread is not None and self._thread.is_alive()

    def _start(self) -> None:
        import kaleido

        path = browser_path()
        if path is None:
            raise ImageExportError(
                "Không tìm thấy trình duyệt Chromium để xuất ảnh PNG "
                f"(cài gói chromium hoặc đặt biến môi trường {BROWSER_ENV})."
            )
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="cccd-kaleido", daemon=True)
        thread.start()

        async def open_browser():
            # A proxy that is never there: any http(s) request a figure might make (a remote
            # image, a CDN topojson) fails at once instead of leaving the machine.
            k = kaleido.Kaleido(
                n=1,
                path=path,
                page_generator=page_generator(),
                timeout=RENDER_TIMEOUT,
                proxy_server=NO_NETWORK_PROXY,
            )
            await k.open()
            return k

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_TIMEOUT)
        except BaseException as exc:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            raise ImageExportError(f"Không khởi động được Chromium để xuất ảnh: {exc}") from exc
        self._loop, self._thread = loop, thread

    def _stop(self) -> None:
        loop, k = self._loop, self._kaleido
        self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        # A browser going away mid-message makes choreographer log a traceback; at exit
        # (the CLI) that is noise, not news.
        pipe_log = logging.getLogger("choreographer.channels.pipe")
        level = pipe_log.level
        pipe_log.setLevel(logging.CRITICAL)
        try:
            if k is not None:
                asyncio.run_coroutine_threadsafe(k.close(), loop).result(15)
        except BaseException:  # noqa: BLE001 - closing a broken browser is best effort
            pass
        finally:
            loop.call_soon_threadsafe(loop.stop)
            pipe_log.setLevel(level)

    def start(self) -> None:
        with self._lock:
            if not self.running:
                self._stop()
                self._start()

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def render(self, spec: dict, opts: dict) -> bytes:
        with self._lock:
            for attempt in (1, 2):
                if not self.running:
                    self._stop()
                    self._start()
                future = asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(spec, opts=opts), self._loop)
                try:
                    return future.result(RENDER_TIMEOUT + 5)
                except Exception as exc:  # noqa: BLE001
                    future.cancel()
                    # A dead browser is restarted once; a bad figure fails straight away.
                    self._stop()
                    if attempt == 2 or not _looks_like_browser_failure(exc):
                        raise ImageExportError(f"Không xuất được ảnh PNG: {exc}") from exc
        raise AssertionError("unreachable")


def _looks_like_browser_failure(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(w in text for w in ("closed", "broken pipe", "browser", "channel", "timeout", "eof"))


_RENDERER = _Renderer()
atexit.register(_RENDERER.stop)


def warm_up(background: bool = True) -> None:
    """Start the browser now so the first PNG is fast (in a background thread by default)."""
    if not available():
        return
    if background:
        threading.Thread(target=_quiet_start, name="cccd-kaleido-warmup", daemon=True).start()
    else:
        _RENDERER.start()


def _quiet_start() -> None:
    try:
        _RENDERER.start()
    except ImageExportError:
        pass


def shutdown() -> None:
    """Close the warm browser (it is closed at exit anyway)."""
    _RENDERER.stop()


def is_warm() -> bool:
    return _RENDERER.running


def figure_png(fig, width: int = 1280, height: int = 720, scale: float = 1.0) -> bytes:
    """PNG bytes of a plotly figure (or its dict) at width × height CSS pixels × scale."""
    if not available():
        raise ImageExportError(
            "Không xuất được ảnh PNG: thiếu Chromium hoặc thư viện kaleido "
            f"(cài gói chromium hoặc đặt biến môi trường {BROWSER_ENV})."
        )
    spec = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    layout = dict(spec.get("layout") or {})
    # The figure's own height (charts set one) would otherwise win over the requested size.
    layout.pop("height", None)
    layout.pop("width", None)
    layout.setdefault("paper_bgcolor", "white")
    spec = {**spec, "layout": layout}
    opts = {"format": "png", "width": int(width), "height": int(height), "scale": float(scale)}
    return _RENDERER.render(spec, opts)
