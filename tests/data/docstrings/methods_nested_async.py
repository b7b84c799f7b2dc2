import contextlib


class Client:
    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url
        self.timeout = timeout
        self._session = None

    @contextlib.contextmanager
    def connect(self):
        yield self

    async def fetch_page(self, path: str, *, retries: int = 3) -> bytes:
        if retries < 0:
            raise ValueError("retries must be positive")
        return b""

    async def stream_lines(self, path) -> AsyncIterator[str]:
        for line in ["a", "b"]:
            yield line

    @staticmethod
    def build_url(base, *parts, **query):
        def join(a, b):
            raise RuntimeError("never documented here")
        return "/".join([base, *parts])
