import contextlib


class Client:
    """Summary of Client.

    :ivar base_url: The base url.
    :vartype base_url: str
    :ivar timeout: The timeout.
    :vartype timeout: float
    """

    def __init__(self, base_url: str, timeout: float = 5.0):
        """Summary of __init__.

        :param base_url: The base url.
        :type base_url: str
        :param timeout: The timeout. Defaults to 5.0.
        :type timeout: float
        """
        self.base_url = base_url
        self.timeout = timeout
        self._session = None

    @contextlib.contextmanager
    def connect(self):
        """Summary of connect.

        :yields: The next item.
        """
        yield self

    async def fetch_page(self, path: str, *, retries: int = 3) -> bytes:
        """Summary of fetch_page.

        :param path: The path.
        :type path: str
        :param retries: The retries. Defaults to 3.
        :type retries: int
        :returns: The page.
        :rtype: bytes
        :raises ValueError: Retries must be positive.
        """
        if retries < 0:
            raise ValueError("retries must be positive")
        return b""

    async def stream_lines(self, path) -> AsyncIterator[str]:
        """Summary of stream_lines.

        :param path: The path.
        :yields: The lines.
        :ytype: str
        """
        for line in ["a", "b"]:
            yield line

    @staticmethod
    def build_url(base, *parts, **query):
        """Summary of build_url.

        :param base: The base.
        :param *parts: Additional positional arguments.
        :param **query: Additional keyword arguments.
        :returns: The url.
        """
        def join(a, b):
            """Summary of join.

            :param a: The a.
            :param b: The b.
            :raises RuntimeError: Never documented here.
            """
            raise RuntimeError("never documented here")
        return "/".join([base, *parts])
