"""Where the two cores went during a measurement: CPU seconds of the server's processes, the
background worker, PostgreSQL's backends and this load generator, read from /proc (Linux;
elsewhere the figures are empty). Dividing by the flows gives the CPU cost of one flow. The
machine's idle and steal time come along, to tell a saturated or a shared machine."""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, user + system CPU seconds) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return command, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


Snapshot = dict[str, dict[int, float]]  # role -> process id -> CPU seconds so far


def snapshot(server_pid: int | None, worker_pid: int | None) -> Snapshot:
    """CPU seconds so far of each process, by role (a role's process tree: its children too)."""
    if not Path("/proc/self/stat").exists():
        return {}
    processes: dict[int, tuple[str, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                processes[int(entry.name)] = found

    def tree(root: int | None) -> dict[int, float]:
        found: dict[int, float] = {}
        stack = [] if root is None else [root]
        while stack:
            pid = stack.pop()
            if pid in processes:
                found[pid] = processes[pid][2]
                stack.extend(child for child, row in processes.items() if row[1] == pid)
        return found

    times = os.times()
    return {
        "server": tree(server_pid),
        "worker": tree(worker_pid),
        "postgres": {pid: row[2] for pid, row in processes.items() if row[0] == "postgres"},
        "generator": {os.getpid(): times.user + times.system},
        **_machine(),
    }


def _machine() -> dict[str, dict[int, float]]:
    """The machine's idle time (were the cores saturated?) and steal time (CPU the hypervisor
    gave to other guests: a shared VM's noise, outside anything the benchmark runs)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return {}
    idle, steal = int(fields[4]) + int(fields[5]), int(fields[8])  # idle + iowait; steal
    return {"idle": {0: idle / _TICK}, "steal": {0: steal / _TICK}}


def spent(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds between two snapshots, by role. A process that ended in between is left
    out (its last moments are lost); one that started in between counts from its start."""
    return {
        role: round(sum(now - before.get(role, {}).get(pid, 0.0) for pid, now in pids.items()), 2)
        for role, pids in after.items()
    }
