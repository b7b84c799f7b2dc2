import contextlib


class Client:
    """Summary of Client."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        """Summary of __init__."""
        self.base_url = base_url
        self.timeout = timeout
        self._session = None

    @contextlib.contextmanager
    def connect(self):
        """Summary of connect."""
        yield self

    async def fetch_page(self, path: str, *, retries: int = 3) -> bytes:
        """Summary of fetch_page."""
        if retries < 0:
            raise ValueError("retries must be positive")
        return b""

    async def stream_lines(self, path) -> AsyncIterator[str]:
        """Summary of stream_lines."""
        for line in ["a", "b"]:
            yield line

    @staticmethod
    def build_url(base, *parts, **query):
        """Summary of build_url."""
        def join(a, b):
            """Summary of join."""
            raise RuntimeError("never documented here")
        return "/".join([base, *parts])
