#!/usr/bin/python3
"""A tiny SMTP sink for tests, on Debian's python3-aiosmtpd.

Usage: /usr/bin/python3 tests/tools/smtp_sink.py DIR [--port N] [--fail-file PATH]

Listens on 127.0.0.1:N (0, the default, picks a free port) and prints the port on
stdout as the first line once it accepts connections. Each message received is stored
in DIR as NNNN.eml (the DATA bytes exactly as received, after SMTP dot-unstuffing)
with a sidecar NNNN.json {"mail_from", "rcpt_tos", "mail_options", "peer"}. The .json
is renamed into place last, so its presence means the message is complete.

Failure tests: while PATH (--fail-file) exists, every RCPT TO is answered with the
file's first line, which must be a full SMTP reply such as
"451 4.3.0 Try again later" or "550 5.1.1 No such user here".
Stops on SIGTERM or SIGINT, or when the process that started it goes away.
"""
import argparse
import asyncio
import json
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, fail_file):
        self.directory = directory
        self.fail_file = fail_file
        self.seq = 0

    def forced_reply(self):
        if not self.fail_file:
            return None
        try:
            with open(self.fail_file, "r", encoding="utf-8") as f:
                line = f.readline().strip()
        except FileNotFoundError:
            return None
        if len(line) >= 3 and line[:3].isdigit():
            return line
        return "451 4.3.0 Sink told to fail"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.forced_reply()
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seq += 1
        base = os.path.join(self.directory, "%04d" % self.seq)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or b"")
        os.rename(base + ".eml.tmp", base + ".eml")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "peer": str(session.peer[0]) if session.peer else "",
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Stored as %04d" % self.seq


async def main():
    ap = argparse.ArgumentParser(description="SMTP sink for tests")
    ap.add_argument("directory")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-file", default=None)
    args = ap.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    sink = Sink(args.directory, args.fail_file)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", decode_data=False),
        host="127.0.0.1",
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()
    # A test that dies without stopping us must not leave us running.
    parent = os.getppid()

    async def watch_parent():
        while not stop.done():
            if os.getppid() != parent:
                stop.set_result(None)
                break
            await asyncio.sleep(1)

    watcher = asyncio.ensure_future(watch_parent())
    await stop
    watcher.cancel()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
