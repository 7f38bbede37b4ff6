"""Generated fixtures files of a given size, for the benchmark's scaling table."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
FIRST_UID = "kko1gv8tFZe8JjpCpct5tG"  # the first booking of the first organization: the one the 200 runs ask for
STATUSES = ("accepted", "pending", "cancelled", "rejected", "awaiting_host")


def write_fixtures(path: Path, bookings: int, organizations: int = 10, seed: int = 1) -> list[tuple[str, str]]:
    """A fixtures file of `bookings` bookings spread over `organizations`; returns (org, uid) of each."""
    rnd = random.Random(seed)
    per_org = max(1, bookings // organizations)
    orgs, index = [], []
    for o in range(organizations):
        appointments = []
        for i in range(per_org):
            uid = FIRST_UID if (o, i) == (0, 0) else "".join(rnd.choice(B58) for _ in range(22))
            hour = 8 + i % 9
            appointments.append({
                "id": uid, "ghl_appointment_id": f"ghl_{o}_{i}", "contact_id": f"ct_{o}_{i}", "agent_id": f"agent_{i % 3}",
                "contact_name": f"Contact {o}-{i}", "contact_email": f"contact.{o}.{i}@example.com", "contact_phone": f"+1415555{i % 10000:04d}",
                "appointment_time": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{hour:02d}:00:00Z",
                "end_time": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{hour:02d}:30:00Z", "status": STATUSES[i % len(STATUSES)],
            })
            index.append((f"org_bench_{o}", uid))
        orgs.append({"id": f"org_bench_{o}", "calcom": "connected", "agents": {f"agent_{a}": f"Agent {a}" for a in range(3)}, "appointments": appointments})
    path.write_text(yaml.safe_dump({"organizations": orgs}, sort_keys=False), encoding="utf-8")
    return index
