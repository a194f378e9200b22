"""Static server for the playground: Python's own, on 127.0.0.1 (it sends .wasm as
application/wasm and .js as text/javascript, which the page's module imports need).

    python3 scripts/serve.py [--isolated] PORT DIRECTORY     (PORT 0 picks a free one)

--isolated adds the COOP/COEP headers that make the page cross-origin isolated, which the page
does not need but the browser benchmark does: only then does Chromium time animation frames to
5 microseconds instead of 100, too coarse for a 16.7 ms frame-time figure.
"""

import argparse
import functools
import http.server


class Handler(http.server.SimpleHTTPRequestHandler):
    isolated = False

    def end_headers(self):
        if self.isolated:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()


def main():
    parser = argparse.ArgumentParser(description="Serve the playground's www/ directory.")
    parser.add_argument("--isolated", action="store_true", help="send COOP/COEP headers")
    parser.add_argument("port", type=int)
    parser.add_argument("directory")
    args = parser.parse_args()
    Handler.isolated = args.isolated
    handler = functools.partial(Handler, directory=args.directory)
    http.server.test(HandlerClass=handler, port=args.port, bind="127.0.0.1")


if __name__ == "__main__":
    main()
