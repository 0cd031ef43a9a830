"""Smoke run of pyargus (argus-api-client 0.5 and later) against API v2.

Usage: python3 pyargus_v2.py URL SOURCE_TOKEN USER_TOKEN

URL is the API root (http://127.0.0.1:8000/api/v2). SOURCE_TOKEN belongs to
a source system's user (argus create-source), USER_TOKEN to an end user
(argus create-token). Every call a glue service makes is made once; any
refusal raises and the run stops with a traceback. Exits 0 when all pass.
"""

import sys
from datetime import datetime, timedelta, timezone

from pyargus.client import Client
from pyargus import models
from pyargus.models import Event, Incident


def now():
    return datetime.now(timezone.utc)


url, source_token, user_token = sys.argv[1:4]
glue = Client(url, source_token)
person = Client(url, user_token)
step = 0


def check(what, ok):
    global step
    step += 1
    print(f"{step:2} {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        sys.exit(1)


started = now() - timedelta(minutes=5)
inc = glue.post_incident(
    Incident(
        start_time=started,
        description="pyargus smoke: link down",
        source_incident_id="smoke-" + now().strftime("%H%M%S%f"),
        level=3,
        tags={"host": "sw1.example.org", "interface": "ge-0/0/1"},
        metadata={"probe": "pyargus"},
        details_url="https://nms.example.org/sw1",
    )
)
check("post_incident", inc.pk and inc.open and inc.stateful and inc.level == 3)
check("tags come back", inc.tags.get("host") == "sw1.example.org")
got = glue.get_incident(inc.pk)
check("get_incident", got.description == "pyargus smoke: link down" and got.metadata == {"probe": "pyargus"})
mine = list(glue.get_my_incidents(open=True))
check("get_my_incidents(open=True)", any(i.pk == inc.pk for i in mine))
every = list(person.get_incidents(open=True))
check("get_incidents(open=True) as a person", any(i.pk == inc.pk for i in every))
# As glue services do: an Incident with the pk and what changes.
upd = person.update_incident(Incident(pk=inc.pk, level=2, ticket_url="https://tickets.example.org/42", tags=inc.tags))
check("update_incident", upd.level == 2 and upd.ticket_url == "https://tickets.example.org/42")
ev = glue.post_incident_event(inc.pk, Event(type="OTH", timestamp=now(), description="still down"))
check("post_incident_event OTH", ev.type == "OTH")
end = glue.resolve_incident(inc.pk, description="link up", timestamp=now() - timedelta(minutes=1))
check("resolve_incident", end.type == "END" and not glue.get_incident(inc.pk).open)
if hasattr(glue, "restart_incident"):
    res = glue.restart_incident(inc.pk, description="flapping", timestamp=now() - timedelta(seconds=30))
    check("restart_incident (RES)", res.type == "RES" and glue.get_incident(inc.pk).open)
    glue.resolve_incident(inc.pk, description="up again")
    check("resolve after restart", not glue.get_incident(inc.pk).open)
events = glue.get_incident_events(inc.pk)
check("get_incident_events", {"STA", "OTH", "END", "CHI"} <= {e.type for e in events})
acks = person.get_incident_acknowledgements(inc.pk)
check("get_incident_acknowledgements", acks == [])
if hasattr(glue, "supports_heartbeat"):
    check("supports_heartbeat", glue.supports_heartbeat())
    glue.send_heartbeat()
    check("send_heartbeat", True)
if hasattr(models, "STATELESS"):
    stateless = glue.post_incident(Incident(start_time=now(), end_time=models.STATELESS, description="pyargus smoke: stateless", tags={}))
    check("stateless incident", stateless.stateful is False)
if hasattr(person, "refresh_token"):
    # Client.refresh_token() cannot parse knox's answer (api-v2.md §10: it
    # reads "expiration" and parses the token as a date), so the call
    # beneath it, POST auth/token/login/, is made and its answer read here.
    body = person.api.tokens.refresh().body
    check("tokens.refresh (knox login)", set(body) == {"token", "expiry"} and len(body["token"]) == 64)
print("all passed")
