"""`nethealth lab up|status|down`: make the lab's files, start its servers in the lab's network
namespace (or on loopback), tell what runs, and take it all away again.

Everything the lab writes is under its directory (`--dir`, default `<data_dir>/lab`), its state
in `lab.json` there; `down` stops the servers it started (by their pid files, then any process
left in the lab's namespace), deletes the namespace and the directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nethealth.errors import ConfigError, ServiceError
from nethealth.lake.storage import write_bytes_atomic
from nethealth.settings import LabHost, Settings
from nethealth.standards.lab import templates
from nethealth.standards.lab.pki import CA
from nethealth.standards.lab.plan import (
    DOMAINS,
    HOST4,
    HOST6,
    HOSTS,
    NET4,
    NET6,
    NETNS,
    SERVERS,
    TOOLS,
    VETH_HOST,
    VETH_LAB,
    Mode,
    Plan,
    fails,
)
from nethealth.standards.lab.templates import Site

Say = Callable[[str], None]
STATE = "lab.json"
READY_SECONDS = 15.0  # how long a server may take to accept connections


@dataclass(frozen=True)
class Started:
    """How to find one running server: its pid file and log."""

    name: str
    pidfile: str
    log: str


def default_dir(settings: Settings) -> Path:
    return settings.data_dir / "lab"


def _run(args: list[str], what: str, log: Path | None = None, netns: str | None = None) -> str:
    """Run a lab command (inside the namespace when `netns`); ServiceError naming `what` and its
    log when it fails."""
    full = ["ip", "netns", "exec", netns, *args] if netns else args
    try:
        done = subprocess.run(full, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceError(f"{what}: {' '.join(args)} failed: {exc}") from None
    if done.returncode != 0:
        where = f"; log: {log}" if log is not None else ""
        output = (done.stderr or done.stdout).strip().splitlines()[-5:]
        if not output and args[0] == "postfix":  # postfix tells only a terminal or syslog
            output = [f"run `{' '.join(args[:3])} check` in a terminal to see why"]
        raise ServiceError(
            f"{what}: `{' '.join(args)}` exited {done.returncode}: {' / '.join(output)}{where}"
        )
    return done.stdout


def missing_programs() -> dict[str, str]:
    """Programs the lab needs that are not installed: program -> Debian package."""
    needed = {s.program: s.package for s in SERVERS} | TOOLS
    return {p: pkg for p, pkg in needed.items() if shutil.which(p) is None}


def netns_available() -> bool:
    """Whether this process may create network namespaces (root, and a kernel that allows it)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = f"{NETNS}-probe"
    done = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False)
    if done.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return True


def netns_exists() -> bool:
    return Path("/run/netns", NETNS).exists()


# up


def up(directory: Path, say: Say, mode: Mode | None = None) -> dict[str, Any]:
    """Start the lab in `directory` (idempotent: a running lab is reported, not restarted)."""
    directory = directory.resolve()  # the servers' command lines name it (see _pid)
    if os.geteuid() != 0:
        raise ConfigError(
            "`nethealth lab up` needs root: it makes a network namespace, and postfix and "
            "chrony start as root before dropping privileges",
            hint="run it with sudo (docs/lab.md)",
        )
    missing = missing_programs()
    if missing:
        raise ConfigError(
            f"the lab needs {', '.join(sorted(missing))} (Debian packages "
            f"{', '.join(sorted(set(missing.values())))})",
            hint="run `make lab` (apt-get install, as root)",
        )
    current = status(directory)
    if current["running"]:
        say(f"the lab already runs in {directory} ({current['mode']})")
        return current
    if current["mode"] is not None:
        say("the lab is half running: stopping it before starting again")
        down(directory, say)
    if mode is None:
        mode = "netns" if netns_available() else "loopback"
    if mode == "netns" and netns_exists():
        raise ServiceError(
            f"the network namespace {NETNS} exists but no lab runs from {directory}",
            hint="stop that lab with `nethealth lab down --dir <its directory>`, or remove the "
            f"namespace with `ip netns del {NETNS}`",
        )
    _check_reachable(directory)
    plan = Plan(mode)
    say(f"lab directory {directory}; mode {mode}")
    state: dict[str, Any] = {
        "mode": mode,
        "directory": str(directory),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "servers": [],
        "scanner": None,
    }
    _save(directory, state)  # first: `down` finds what a failed `up` left (the namespace)
    for sub in ("certs", "zones", "knot", "run", "log", "unbound", "nginx", "chrony-nts",
                "postfix-ideal", "postfix-plain"):  # fmt: skip
        (directory / sub).mkdir(parents=True, exist_ok=True)
    if mode == "netns":
        say(f"network namespace {NETNS}: veth {VETH_HOST}/{VETH_LAB}, {HOST4} and {HOST6}")
        _make_netns(plan)
    say("certificates: the lab CA and the servers' (ECDSA P-256)")
    site = _certificates(plan, directory)
    say("DNSSEC: keys (keymgr, ldns-keygen), zones, signatures")
    site = _zones(site)
    (directory / "lab.anchor").write_text(templates.trust_anchor(site))
    (directory / "unbound.conf").write_text(templates.unbound_conf(site))
    (directory / "nginx.conf").write_text(templates.nginx_conf(site))
    for server in ("mx-ideal", "mx-plain"):
        home = directory / f"postfix-{server.removeprefix('mx-')}"
        (home / "main.cf").write_text(templates.postfix_main(site, server))
        (home / "queue").mkdir(exist_ok=True)
        (home / "data").mkdir(exist_ok=True)
        shutil.chown(home / "data", "postfix", "postfix")  # postfix's own files (mail_owner)
        (home / "master.cf").write_text(templates.postfix_master(site, server))
    for server in ("ntp-nts", "ntp-plain"):
        (directory / f"chrony-{server.removeprefix('ntp-')}.conf").write_text(
            templates.chrony_conf(site, server)
        )
    state["scanner"] = _scanner_settings(site)
    _start_all(site, say, state)
    say("the lab runs: `nethealth scan DOMAIN --lab` scans it")
    return status(directory)


def _check_reachable(directory: Path) -> None:
    """Make `directory`, readable by the servers' own users (postfix drops root): every parent
    must let others through, else postfix fails to start without a word."""
    closed = [
        str(p) for p in directory.resolve().parents if p.exists() and not p.stat().st_mode & 0o001
    ]
    if closed:
        raise ConfigError(
            f"the lab directory {directory} is below {', '.join(closed)}, which other users "
            "may not enter: postfix's daemons could not reach their files",
            hint="choose another --dir (e.g. under /var/tmp), or chmod o+x those directories",
        )
    if directory.exists() and any(directory.iterdir()) and not (directory / STATE).exists():
        raise ConfigError(
            f"{directory} is not empty and holds no lab: `lab down` would delete it",
            hint="give --dir a new or empty directory",
        )
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)


def _overlaps() -> list[str]:
    """The host's routes that overlap the lab's ranges (a lab there would cut the host off:
    some sandboxes use the documentation ranges themselves)."""
    lab = [ipaddress.ip_network(n) for n in (NET4, NET6)]
    found = []
    for family in ("-4", "-6"):
        text = _run(["ip", "-j", family, "route", "show", "table", "all"], "reading routes")
        for route in json.loads(text or "[]"):
            dst = route.get("dst", "")
            if dst in ("", "default") or route.get("type") in ("local", "broadcast", "multicast"):
                continue
            with contextlib.suppress(ValueError):
                net = ipaddress.ip_network(dst, strict=False)
                if any(net.version == n.version and net.overlaps(n) for n in lab):
                    found.append(f"{dst} dev {route.get('dev', '?')}")
    return found


def _make_netns(plan: Plan) -> None:
    clash = _overlaps()
    if clash:
        raise ConfigError(
            f"the lab's ranges {NET4} and {NET6} are already routed on this host "
            f"({'; '.join(clash)}): a lab namespace would cut the host off",
            hint="run `nethealth lab up --loopback`",
        )
    ns = ["ip", "-n", NETNS]
    _run(["ip", "netns", "add", NETNS], "network namespace")
    _run(["ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_LAB, "netns",
          NETNS], "veth pair")  # fmt: skip
    _run(["ip", "addr", "add", f"{HOST4}/24", "dev", VETH_HOST], "host address")
    _run(["ip", "addr", "add", f"{HOST6}/64", "dev", VETH_HOST, "nodad"], "host address")
    _run(["ip", "link", "set", VETH_HOST, "up"], "veth up")
    _run([*ns, "link", "set", "lo", "up"], "namespace loopback")
    for host in HOSTS:
        _run([*ns, "addr", "add", f"{plan.v4(host)}/24", "dev", VETH_LAB], f"address of {host}")
        _run([*ns, "addr", "add", f"{plan.v6(host)}/64", "dev", VETH_LAB, "nodad"],
             f"address of {host}")  # fmt: skip
    _run([*ns, "link", "set", VETH_LAB, "up"], "veth up")


def _certificates(plan: Plan, directory: Path) -> Site:
    ca = CA(directory / "certs")
    tlsa = {}
    for d in DOMAINS:
        tlsa[f"web-{d.name}"] = ca.issue(f"web-{d.name}", [d.name, f"www.{d.name}"])
        ca.issue(f"mta-sts.{d.name}", [f"mta-sts.{d.name}"])
    tlsa["mx-ideal"] = ca.issue(
        "mx-ideal", [f"mx1.{d.name}" for d in DOMAINS if d.mx == "mx-ideal"]
    )
    ca.issue("nts.lab", ["nts.lab"])
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=300)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Site(plan=plan, root=directory, expires=expires, tlsa=tlsa)


def _ds_lines(text: str, zone: str) -> list[str]:
    """The SHA-256 DS rdata ('tag alg 2 digest') in keymgr's or ldns-key2ds' output."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if "DS" in parts:
            rdata = parts[parts.index("DS") + 1 :]
            if len(rdata) >= 4 and rdata[2] == "2":
                out.append(" ".join([*rdata[:3], "".join(rdata[3:]).lower()]))
    if not out:
        raise ServiceError(f"no SHA-256 DS record for {zone} in: {text.strip()[:200]}")
    return out


def _zones(site: Site) -> Site:
    """Zone files, knot's keys (made by keymgr before knot starts, so the parent can publish
    their DS), the expired counterpart signed by ldns-signzone, and the anchor."""
    root = site.root
    conf = root / "knot.conf"
    conf.write_text(templates.knot_conf(site))
    zones = root / "zones"
    ds: dict[str, list[str]] = {}
    for d in DOMAINS:
        (zones / f"{d.name}.zone").write_text(templates.zone(site, d))
        if d.signing == "none":
            continue
        if d.signing == "knot":
            _run(["keymgr", "-c", str(conf), f"{d.name}.", "generate",
                  "algorithm=ecdsap256sha256", "ksk=yes", "zsk=yes"], f"keymgr {d.name}")  # fmt: skip
            ds[d.name] = _ds_lines(_run(["keymgr", "-c", str(conf), f"{d.name}.", "ds"],
                                        f"keymgr {d.name} ds"), d.name)  # fmt: skip
        else:
            ds[d.name] = _expired_zone(zones, d.name)
    site = Site(site.plan, root, site.expires, site.tlsa, ds)
    (zones / "lab.zone").write_text(templates.parent_zone(site))
    _run(["keymgr", "-c", str(conf), "lab.", "generate", "algorithm=ecdsap256sha256", "ksk=yes",
          "zsk=yes"], "keymgr lab.")  # fmt: skip
    anchor = _ds_lines(_run(["keymgr", "-c", str(conf), "lab.", "ds"], "keymgr lab. ds"), "lab")
    return Site(site.plan, root, site.expires, site.tlsa, ds, anchor[0])


def _expired_zone(zones: Path, name: str) -> list[str]:
    """Sign `name`'s zone once with signatures that expired 30 days ago (the common DNSSEC
    failure: nobody re-signs); returns the DS of its key."""
    key = _run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", f"{name}."], f"ldns-keygen {name}",
               ).strip()  # fmt: skip
    for suffix in (".key", ".private", ".ds"):  # ldns-keygen writes to the working directory
        made = Path(key + suffix)
        if made.exists():
            shutil.move(str(made), zones / made.name)
    now = dt.datetime.now(dt.UTC)
    stamp = "%Y%m%d%H%M%S"
    _run(["ldns-signzone", "-i", (now - dt.timedelta(days=60)).strftime(stamp),
          "-e", (now - dt.timedelta(days=30)).strftime(stamp), "-o", f"{name}.",
          "-f", str(zones / f"{name}.signed"), str(zones / f"{name}.zone"), str(zones / key)],
         f"ldns-signzone {name}")  # fmt: skip
    return _ds_lines(_run(["ldns-key2ds", "-n", "-2", str(zones / f"{key}.key")],
                          f"ldns-key2ds {name}"), name)  # fmt: skip


def _save(directory: Path, state: dict[str, Any]) -> None:
    write_bytes_atomic(directory / STATE, json.dumps(state, indent=2).encode())


def _start_all(site: Site, say: Say, state: dict[str, Any]) -> list[Started]:
    """Start every server in order, each recorded in `state` before it starts (so `down`
    stops it even when `up` fails after it); ServiceError on the first that fails."""
    root, plan = site.root, site.plan
    netns = NETNS if plan.mode == "netns" else None
    log = root / "log"
    specs: list[tuple[Started, list[str], tuple[str, int] | None]] = [
        (Started("knot", str(root / "run/knot.pid"), str(log / "knot.log")),
         ["knotd", "-c", str(root / "knot.conf"), "-d"], (plan.v4("ns1"), plan.port("dns"))),
        (Started("unbound", str(root / "run/unbound.pid"), str(log / "unbound.log")),
         ["unbound", "-c", str(root / "unbound.conf")], (plan.v4("resolver"), plan.port("dns"))),
        (Started("nginx", str(root / "run/nginx.pid"), str(log / "nginx.log")),
         ["nginx", "-c", str(root / "nginx.conf"), "-p", str(root / "nginx")],
         (plan.v4("web-ideal"), plan.port("https"))),
        (Started("postfix-ideal", str(root / "postfix-ideal/queue/pid/master.pid"),
                 str(log / "postfix-mx-ideal.log")),
         ["postfix", "-c", str(root / "postfix-ideal"), "start"],
         (plan.v4("mx-ideal"), plan.port("smtp"))),
        (Started("postfix-plain", str(root / "postfix-plain/queue/pid/master.pid"),
                 str(log / "postfix-mx-plain.log")),
         ["postfix", "-c", str(root / "postfix-plain"), "start"],
         (plan.v4("mx-plain"), plan.port("smtp"))),
        (Started("chrony-nts", str(root / "run/chrony-nts.pid"), str(log / "chrony-nts.log")),
         ["chronyd", "-x", "-u", "root", "-f", str(root / "chrony-nts.conf"), "-l",
          str(log / "chrony-nts.log")], (plan.v4("ntp-nts"), plan.port("nts-ke"))),
        (Started("chrony-plain", str(root / "run/chrony-plain.pid"),
                 str(log / "chrony-plain.log")),
         ["chronyd", "-x", "-u", "root", "-f", str(root / "chrony-plain.conf"), "-l",
          str(log / "chrony-plain.log")], None),
    ]  # fmt: skip
    started: list[Started] = []
    for i, (server, command, probe) in enumerate(specs, 1):
        say(f"[{i}/{len(specs)}] starting {server.name}")
        state["servers"].append(server.__dict__)
        _save(site.root, state)
        _run(command, f"starting {server.name}", Path(server.log), netns)
        started.append(server)
        _wait_ready(server, probe, root)
    return started


def _wait_ready(server: Started, probe: tuple[str, int] | None, root: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if _pid(server, root) is not None and (probe is None or _accepts(*probe)):
            return
        time.sleep(0.1)
    where = f" on {probe[0]} port {probe[1]}" if probe else ""
    raise ServiceError(
        f"{server.name} did not start{where} within {READY_SECONDS:g} s; log: {server.log}",
        hint="read the log, then `nethealth lab down --dir DIR` (it stops what started) and "
        "`nethealth lab up` again",
    )


def _accepts(address: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=1):
        return True
    return False


def _scanner_settings(site: Site) -> dict[str, Any]:
    """What `nethealth scan --lab` needs to scan this lab."""
    plan = site.plan
    https, http = plan.port("https"), plan.port("http")
    hosts: dict[str, Any] = {}
    for d in DOMAINS:
        for name, server in ((d.name, d.web), (f"www.{d.name}", d.web),
                             (f"mta-sts.{d.name}", "web-ideal")):  # fmt: skip
            hosts[name] = {"addresses": plan.addresses(server), "https_port": https,
                           "http_port": http}  # fmt: skip
    return {
        "standards_lab_hosts": hosts,
        "standards_lab_networks": plan.networks(),
        "standards_lab_ca": str(site.root / "certs" / "lab-ca.pem"),
        # Loopback mode asks knot itself: there unbound 1.17.1 lets concurrent queries time
        # out (seen, cause not found; sequential ones are answered), docs/lab.md.
        "standards_dns_resolvers": [plan.v4("resolver" if plan.mode == "netns" else "ns1")],
        "standards_dns_port": plan.port("dns"),
        "standards_smtp_port": plan.port("smtp"),
        "standards_dnssec_anchors": [f"lab. {site.anchor}"],
    }


def lab_settings(settings: Settings, directory: Path) -> Settings:
    """`settings` pointed at the lab running in `directory` (ConfigError when none runs)."""
    state = _state(directory)
    if state is None or not state.get("scanner"):
        raise ConfigError(
            f"no lab runs in {directory}", hint="start it with `nethealth lab up`, or set "
            "NETHEALTH_STANDARDS_LAB_HOSTS (docs/standards.md, Lab mode)",
        )  # fmt: skip
    values = dict(state["scanner"])
    values["standards_lab_hosts"] = {
        k: LabHost(**v) for k, v in values["standards_lab_hosts"].items()
    }
    values["standards_lab_ca"] = Path(values["standards_lab_ca"])
    return settings.model_copy(update=values)


# status


def _state(directory: Path) -> dict[str, Any] | None:
    path = directory / STATE
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable lab state ({exc})",
                          hint="`nethealth lab down` removes it") from None  # fmt: skip
    return state


def _pid(server: Started, root: Path) -> int | None:
    """The server's pid when its process runs, else None. A pid file can outlive its process
    and the pid be reused: the process must be the lab's (its command line names the lab's
    directory, or it works in it, as postfix's master does in its queue)."""
    try:
        pid = int(Path(server.pidfile).read_text().split()[0])
        if not alive(pid):
            return None
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except (OSError, ValueError, IndexError):
        return None
    if str(root) in cmdline or cwd == root or root in cwd.parents:
        return pid
    return None


def status(directory: Path) -> dict[str, Any]:
    state = _state(directory)
    mode: str | None = state["mode"] if state else None
    servers = []
    root = Path(state["directory"]) if state else directory
    for entry in state["servers"] if state else []:
        server = Started(**entry)
        pid = _pid(server, root)
        what = next((s.what for s in SERVERS if s.name == server.name), "")
        servers.append({"server": server.name, "state": "running" if pid else "stopped",
                        "pid": pid, "log": server.log, "what": what})  # fmt: skip
    plan = Plan("loopback" if mode == "loopback" else "netns")
    note = None
    if mode == "loopback":
        note = ("network namespaces were not available: the servers listen on loopback "
                "(127.77.0.0/24, ports +10000) without IPv6, so every domain also fails the "
                "IPv6 checks; the scanner asks knot, not unbound (docs/lab.md)")  # fmt: skip
    return {
        "directory": str(directory),
        "mode": mode,
        "running": bool(servers)
        and len(servers) == len(SERVERS)
        and all(s["state"] == "running" for s in servers),
        "note": note,
        "servers": servers,
        "domains": [
            {
                "domain": d.name,
                "fails": fails(d, plan),
                "mistake": d.mistake,
                "web": d.web,
                "mx": d.mx,
            }
            for d in DOMAINS
        ],
        "http3": "not in the lab: aioquic is not installed (docs/lab.md)",
        "scanner": state["scanner"] if state else None,
    }


# down


def _stop(servers: list[Started], root: Path) -> list[str]:
    """Stop `servers` (SIGTERM, then SIGKILL after 5 s); the names of those that were running."""
    stopped = []
    for server in reversed(servers):
        pid = _pid(server, root)
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and alive(pid):
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
        stopped.append(server.name)
    return stopped


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # a zombie (our own child, not reaped) has stopped too
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    return False


def down(directory: Path, say: Say) -> dict[str, Any]:
    """Stop every lab server, delete the namespace and the lab's directory."""
    state = _state(directory)
    servers = [Started(**e) for e in state["servers"]] if state else []
    stopped = _stop(servers, Path(state["directory"])) if state else []
    for name in stopped:
        say(f"stopped {name}")
    left = 0
    if state is not None and state["mode"] == "netns" and netns_exists():
        pids = subprocess.run(["ip", "netns", "pids", NETNS], capture_output=True, text=True,
                              check=False).stdout.split()  # fmt: skip
        for pid in pids:  # workers and helpers of the servers above, started in the lab
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
                left += 1
        _run(["ip", "netns", "del", NETNS], "deleting the network namespace")
        with contextlib.suppress(ServiceError):  # gone with the namespace's end of the pair
            _run(["ip", "link", "del", VETH_HOST], "deleting the veth pair")
        say(f"deleted the network namespace {NETNS}")
    if directory.exists():
        if state is None and any(directory.iterdir()) and not (directory / "knot.conf").exists():
            say(f"{directory} is not a lab directory: left as it is")
        else:
            shutil.rmtree(directory)
            say(f"removed {directory}")
    return {"directory": str(directory), "stopped": stopped, "killed_leftovers": left}
