"""A packet capture on the loopback interface, without tcpdump: an AF_PACKET socket (Linux, root) writing pcap.

`labctl net capture --port 8443 --seconds 5 --out x.pcap` records the TCP segments to or from one port;
`--read x.pcap` prints each connection's handshake, the TLS records and any plaintext request line in it.
The pcap file opens in Wireshark and `tcpdump -r` alike (Ethernet link type, microsecond timestamps).
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

from labctl.output import JsonDoc, LabError

ETH_P_ALL = 0x0003
_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # Ethernet link type
TLS_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
_METHODS = (b"GET ", b"POST ", b"PUT ", b"DELETE ", b"HEAD ", b"PATCH ", b"OPTIONS ")
SYN, ACK = 0x02, 0x10


@dataclass(frozen=True)
class Segment:
    """One TCP segment: who sent it, its flags and payload."""

    ts: float
    src: tuple[str, int]
    dst: tuple[str, int]
    flags: int
    payload: bytes


def _parse(frame: bytes, ts: float) -> Segment | None:
    """An Ethernet frame carrying IPv4 or IPv6 TCP, else None."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800 and len(ip) >= 20 and ip[9] == 6:
        header, total = (ip[0] & 0x0F) * 4, struct.unpack("!H", ip[2:4])[0]
        src, dst, tcp = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]), ip[header:total]
    elif ethertype == 0x86DD and len(ip) >= 40 and ip[6] == 6:
        length = struct.unpack("!H", ip[4:6])[0]
        src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40])
        tcp = ip[40 : 40 + length]
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport = struct.unpack("!HH", tcp[:4])
    offset = (tcp[12] >> 4) * 4
    return Segment(ts, (src, sport), (dst, dport), tcp[13], bytes(tcp[offset:]))


def capture(port: int, seconds: float, out: Path, max_packets: int = 10_000) -> int:
    """Record every TCP segment to or from `port` on `lo` for `seconds` into a pcap file; the count."""
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    except PermissionError as err:
        raise LabError(
            "capture_needs_root", "Capturing packets needs root (CAP_NET_RAW).", "Run it with sudo."
        ) from err
    except (AttributeError, OSError) as err:  # no AF_PACKET: macOS, or a kernel without it
        raise LabError("capture_unsupported", f"No packet socket here: {err}", "Use tcpdump -i lo0 -w FILE.") from err
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with sock, out.open("wb") as pcap:
        sock.bind(("lo", 0))
        sock.settimeout(0.2)
        pcap.write(_PCAP_HEADER)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and count < max_packets:
            try:
                frame, addr = sock.recvfrom(65535)
            except TimeoutError:
                continue
            ts = time.time()
            seg = _parse(frame, ts)
            # loopback frames show up twice (outgoing and incoming): keep the incoming copy only
            if seg is None or port not in (seg.src[1], seg.dst[1]) or addr[2] == socket.PACKET_OUTGOING:
                continue
            pcap.write(struct.pack("<IIII", int(ts), int(ts % 1 * 1e6), len(frame), len(frame)) + frame)
            count += 1
    return count


def read_pcap(path: Path) -> list[Segment]:
    """The TCP segments of a pcap file (Ethernet link type; what `capture` and `tcpdump -i lo -w` write)."""
    data = path.read_bytes()
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
        raise LabError("not_a_pcap", f"{path} is not a pcap file.", "Capture again with --out FILE.pcap.")
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    at, segments = 24, []
    while at + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack(endian + "IIII", data[at : at + 16])
        frame = data[at + 16 : at + 16 + incl]
        at += 16 + incl
        if link == 113:  # Linux cooked capture (tcpdump -i any): 16-byte header, ethertype at 14
            frame = bytes(12) + frame[14:16] + frame[16:]
        seg = _parse(frame, sec + usec / 1e6)
        if seg is not None:
            segments.append(seg)
    return segments


@dataclass
class Connection:
    """One TCP connection of a capture, as seen from the client (the side that sent the SYN)."""

    client: tuple[str, int]
    server: tuple[str, int]
    handshake: list[str] = field(default_factory=list)
    tls_records: list[str] = field(default_factory=list)  # "client handshake", "server application_data", ...
    request_lines: list[str] = field(default_factory=list)
    h2_preface: bool = False

    @property
    def three_way(self) -> bool:
        return self.handshake[:3] == ["SYN", "SYN-ACK", "ACK"]

    def as_dict(self) -> dict[str, object]:
        return {
            "client": f"{self.client[0]}:{self.client[1]}",
            "server": f"{self.server[0]}:{self.server[1]}",
            "three_way_handshake": self.three_way,
            "handshake": self.handshake,
            "tls_records": self.tls_records,
            "request_lines": self.request_lines,
            "h2_preface": self.h2_preface,
        }


def _tls_records(stream: bytes) -> list[str]:
    """Record types of a TLS byte stream, in order (stops at the first byte that is not a record header)."""
    out, at = [], 0
    while at + 5 <= len(stream) and stream[at] in TLS_TYPES and stream[at + 1] == 3:
        out.append(TLS_TYPES[stream[at]])
        at += 5 + struct.unpack("!H", stream[at + 3 : at + 5])[0]
    return out


def connections(segments: list[Segment]) -> list[Connection]:
    """Group segments into connections (opened by a SYN inside the capture), with what each carried."""
    conns: dict[frozenset[tuple[str, int]], Connection] = {}
    streams: dict[tuple[tuple[str, int], tuple[str, int]], bytearray] = {}
    for seg in segments:
        key = frozenset((seg.src, seg.dst))
        if seg.flags & SYN and not seg.flags & ACK:
            conns[key] = Connection(seg.src, seg.dst)
        conn = conns.get(key)
        if conn is None:
            continue
        if seg.flags & SYN:
            conn.handshake.append("SYN-ACK" if seg.flags & ACK else "SYN")
        elif not seg.payload and len(conn.handshake) == 2 and seg.src == conn.client:
            conn.handshake.append("ACK")
        if seg.payload:
            streams.setdefault((seg.src, seg.dst), bytearray()).extend(seg.payload)
            if seg.src == conn.client and seg.payload.startswith(_METHODS):
                conn.request_lines.append(seg.payload.split(b"\r\n", 1)[0].decode("latin-1"))
            conn.h2_preface |= seg.payload.startswith(b"PRI * HTTP/2.0")
    for conn in conns.values():
        sent, got = streams.get((conn.client, conn.server), b""), streams.get((conn.server, conn.client), b"")
        conn.tls_records = [f"client {r}" for r in _tls_records(bytes(sent))]
        conn.tls_records += [f"server {r}" for r in _tls_records(bytes(got))]
    return list(conns.values())


@dataclass(frozen=True)
class CaptureReport:
    """`labctl net capture`: the file, its packet count and its connections."""

    path: Path
    packets: int
    conns: list[Connection]

    def to_json(self) -> JsonDoc:
        return {"path": str(self.path), "packets": self.packets, "connections": [c.as_dict() for c in self.conns]}


def report(path: Path, packets: int | None = None) -> CaptureReport:
    """Read a capture back into connections."""
    segments = read_pcap(path)
    return CaptureReport(path, len(segments) if packets is None else packets, connections(segments))
