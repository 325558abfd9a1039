#!/usr/bin/env python3
"""A WAN link in user space: netem's delay and rate for a kernel without sch_netem.

Joins two TUN devices, each in its own network namespace, and carries every IP packet from one to the other
after --delay-ms (one way, the fiber model's propagation for the route) and, with --rate-mbit, after the
packets ahead of it have been serialised at that rate (netem `delay D rate R`). Order is kept per direction.
The devices must exist (`ip tuntap add dev NAME mode tun`, addresses and routes set by the caller); this
process attaches to them, so their carrier is up while it runs and down when it stops.

  delay-wire.py --a=NETNS:DEV --b=NETNS:DEV --delay-ms 21.7 [--rate-mbit 100] [--ready FILE]

NETNS is a name under /run/netns, or "-" for the namespace this process starts in. Root only (setns, TUN).
Prints one JSON line per direction at exit (SIGTERM): packets and bytes carried, packets dropped.
"""
import argparse, ctypes, fcntl, json, os, select, signal, struct, sys, time
from collections import deque

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
CLONE_NEWNET = 0x40000000
MAX_QUEUE_PACKETS = 10_000  # netem's default limit is 1,000 packets; a test link carries far fewer at once
libc = ctypes.CDLL(None, use_errno=True)


def enter(netns, own_fd):
    fd = own_fd if netns == "-" else os.open(f"/run/netns/{netns}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise SystemExit(f"setns {netns}: {os.strerror(err)} (run as root; does /run/netns/{netns} exist?)")
    if fd != own_fd:
        os.close(fd)


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    except OSError as e:
        raise SystemExit(f"attach to TUN device {name}: {e} (create it first: ip tuntap add dev {name} mode tun)")
    return fd


class Direction:
    """Packets read on one device, written to the other when due."""

    def __init__(self, name, out_fd, delay_s, rate_bps):
        self.name, self.out_fd, self.delay_s, self.rate_bps = name, out_fd, delay_s, rate_bps
        self.queue = deque()  # (due, packet), due non-decreasing
        self.last_due = 0.0
        self.packets = self.bytes = self.dropped = 0

    def take(self, packet, now):
        if len(self.queue) >= MAX_QUEUE_PACKETS:
            self.dropped += 1
            return
        due = now + self.delay_s
        if self.rate_bps:
            # serialised after the packets ahead of it, at the link rate
            due = max(due, self.last_due) + len(packet) * 8 / self.rate_bps
        self.last_due = due
        self.queue.append((due, packet))

    def flush(self, now):
        while self.queue and self.queue[0][0] <= now:
            _, packet = self.queue.popleft()
            try:
                os.write(self.out_fd, packet)
                self.packets += 1
                self.bytes += len(packet)
            except OSError:
                self.dropped += 1  # the far end is down: the packet is lost, as on a cut link

    def report(self):
        return {"direction": self.name, "packets": self.packets, "bytes": self.bytes, "dropped": self.dropped}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", required=True, help="NETNS:DEV of one end")
    p.add_argument("--b", required=True, help="NETNS:DEV of the other end")
    p.add_argument("--delay-ms", type=float, required=True, help="one-way delay, ms")
    p.add_argument("--rate-mbit", type=float, default=0, help="link rate, Mbit/s (0: no limit)")
    p.add_argument("--ready", help="file written once both devices are attached")
    args = p.parse_args()
    if not args.delay_ms >= 0:
        raise SystemExit(f"--delay-ms {args.delay_ms}: expected a delay >= 0 ms")
    ends = []
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    for spec, flag in ((args.a, "--a"), (args.b, "--b")):
        if ":" not in spec:
            raise SystemExit(f"{flag} {spec}: expected NETNS:DEV (NETNS '-' for this namespace)")
        netns, dev = spec.split(":", 1)
        enter(netns, own)
        ends.append(open_tun(dev))
    enter("-", own)
    fd_a, fd_b = ends
    rate_bps = args.rate_mbit * 1e6
    d = {fd_a: Direction("a->b", fd_b, args.delay_ms / 1000, rate_bps),
         fd_b: Direction("b->a", fd_a, args.delay_ms / 1000, rate_bps)}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    if args.ready:
        with open(args.ready, "w") as f:
            f.write(str(os.getpid()))
    parent = os.getppid()
    while not stop and os.getppid() == parent:  # a test killed without teardown leaves no wire behind
        now = time.monotonic()
        for x in d.values():
            x.flush(now)
        dues = [x.queue[0][0] for x in d.values() if x.queue]
        timeout = max(0.0, min(dues) - time.monotonic()) if dues else 0.5
        try:
            readable, _, _ = select.select([fd_a, fd_b], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in readable:
            for _ in range(256):  # bounded: the other direction gets its turn
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError as e:  # the device was deleted: the link is gone
                    print(json.dumps({"error": f"read: {e}"}), flush=True)
                    stop.append(1)
                    break
                d[fd].take(packet, now)
    for x in d.values():
        print(json.dumps(x.report()), flush=True)


if __name__ == "__main__":
    main()
