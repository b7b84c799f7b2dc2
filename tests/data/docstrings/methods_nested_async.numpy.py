import contextlib


class Client:
    """Summary of Client.

    Attributes
    ----------
    base_url : str
        The base url.
    timeout : float
        The timeout.
    """

    def __init__(self, base_url: str, timeout: float = 5.0):
        """Summary of __init__.

        Parameters
        ----------
        base_url : str
            The base url.
        timeout : float, optional
            The timeout. Defaults to 5.0.
        """
        self.base_url = base_url
        self.timeout = timeout
        self._session = None

    @contextlib.contextmanager
    def connect(self):
        """Summary of connect.

        Yields
        ------
        result
            The next item.
        """
        yield self

    async def fetch_page(self, path: str, *, retries: int = 3) -> bytes:
        """Summary of fetch_page.

        Parameters
        ----------
        path : str
            The path.
        retries : int, optional
            The retries. Defaults to 3.

        Returns
        -------
        bytes
            The page.

        Raises
        ------
        ValueError
            Retries must be positive.
        """
        if retries < 0:
            raise ValueError("retries must be positive")
        return b""

    async def stream_lines(self, path) -> AsyncIterator[str]:
        """Summary of stream_lines.

        Parameters
        ----------
        path
            The path.

        Yields
        ------
        str
            The lines.
        """
        for line in ["a", "b"]:
            yield line

    @staticmethod
    def build_url(base, *parts, **query):
        """Summary of build_url.

        Parameters
        ----------
        base
            The base.
        *parts
            Additional positional arguments.
        **query
            Additional keyword arguments.

        Returns
        -------
        result
            The url.
        """
        def join(a, b):
            """Summary of join.

            Parameters
            ----------
            a
                The a.
            b
                The b.

            Raises
            ------
            RuntimeError
                Never documented here.
            """
            raise RuntimeError("never documented here")
        return "/".join([base, *parts])
