"""A response body far larger than the socket buffers between client and server, for
tests of a client that must stop reading it (a byte limit, a response closed half-read)."""

import threading

from aiohttp import web


class EndlessBody:
    """Sends 100 MiB of zeros in 1 MiB writes until the client goes away, and records how
    much it wrote; `stopped` is set once it stops, whichever thread its server runs on."""

    BLOCK = bytes(1 << 20)
    BLOCKS = 100
    SIZE = len(BLOCK) * BLOCKS

    def __init__(self) -> None:
        self.written = 0
        self.completed = False
        self.stopped = threading.Event()

    async def send(
        self, request: web.Request, *, content_type: str = "application/octet-stream"
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(self.SIZE)})
        response.content_type = content_type
        await response.prepare(request)
        try:
            for _ in range(self.BLOCKS):
                await response.write(self.BLOCK)
                self.written += len(self.BLOCK)
            await response.write_eof()
            self.completed = True
        except ConnectionError:
            pass  # the client closed the connection
        finally:
            self.stopped.set()
        return response
