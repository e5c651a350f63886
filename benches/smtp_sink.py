#!/usr/bin/env python3
"""A real SMTP receiver on loopback for the benchmarks: counts the messages it accepts and
appends one line per message (Message-ID, recipients, Subject) to a file. Python 3.11's smtpd.

usage: smtp_sink.py PORT OUTFILE"""
import asyncore, sys, warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import smtpd  # noqa: E402


class Sink(smtpd.SMTPServer):
    def __init__(self, addr, out):
        super().__init__(addr, None, decode_data=False)
        self.out = open(out, "a", buffering=1)

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        mid, subject = "", ""
        for line in data.replace(b"\r\n", b"\n").split(b"\n"):
            if not line:
                break
            if line.lower().startswith(b"message-id:"):
                mid = line.split(b":", 1)[1].strip().decode()
            if line.lower().startswith(b"subject:"):
                subject = line.split(b":", 1)[1].strip().decode(errors="replace")
        self.out.write(f"{mid}\t{','.join(rcpttos)}\t{subject}\n")


if __name__ == "__main__":
    Sink(("127.0.0.1", int(sys.argv[1])), sys.argv[2])
    asyncore.loop()
