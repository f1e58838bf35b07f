"""The Detective emulator through boto3, the other official SDK, unchanged but for endpoint_url.

Starts the emulator binary named by WATCHPOST_DETECTIVE_EMULATOR_BIN (set by `just test-python`)
on a free loopback port and stops it afterwards.
"""

import datetime
import json
import os
import socket
import subprocess
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

ADMIN = "111111111111"
MEMBER = "222222222222"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _control(url, path, body=None, method="POST"):
    """Calls the emulator's non-AWS control paths (/_emulator/health, faults, reset)."""
    data = b"" if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=None if method == "GET" else data, method=method)
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def endpoint():
    binary = os.environ.get("WATCHPOST_DETECTIVE_EMULATOR_BIN")
    if not binary or not os.path.exists(binary):
        pytest.fail("set WATCHPOST_DETECTIVE_EMULATOR_BIN to the built emulator (just test-python does)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "--port", str(port), "--investigation-delay-ms", "200"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                _control(url, "/_emulator/health", method="GET")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"emulator did not start: {proc.stderr.read().decode() if proc.poll() is not None else 'timeout'}")
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=5)


@pytest.fixture(autouse=True)
def clean(endpoint):
    _control(endpoint, "/_emulator/reset")


def client(endpoint, account):
    return boto3.client(
        "detective",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=account,
        aws_secret_access_key="local-aws-test-secret",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_graph_members_invitation_and_investigation(endpoint):
    admin = client(endpoint, ADMIN)
    member = client(endpoint, MEMBER)

    arn = admin.create_graph(Tags={"team": "security"})["GraphArn"]
    assert arn.startswith(f"arn:aws:detective:us-east-1:{ADMIN}:graph:")
    assert admin.create_graph()["GraphArn"] == arn
    assert [g["Arn"] for g in admin.list_graphs()["GraphList"]] == [arn]
    assert admin.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "security"}

    out = admin.create_members(
        GraphArn=arn,
        Accounts=[{"AccountId": MEMBER, "EmailAddress": "sec@example.com"}, {"AccountId": ADMIN, "EmailAddress": "a@example.com"}],
    )
    assert [m["AccountId"] for m in out["Members"]] == [MEMBER]
    assert [u["AccountId"] for u in out["UnprocessedAccounts"]] == [ADMIN]
    assert isinstance(out["Members"][0]["InvitedTime"], datetime.datetime)

    invitations = member.list_invitations()["Invitations"]
    assert [(i["GraphArn"], i["Status"]) for i in invitations] == [(arn, "INVITED")]
    member.accept_invitation(GraphArn=arn)
    details = admin.get_members(GraphArn=arn, AccountIds=[MEMBER])["MemberDetails"]
    assert details[0]["Status"] == "ENABLED"

    now = datetime.datetime.now(datetime.timezone.utc)
    inv = admin.start_investigation(
        GraphArn=arn,
        EntityArn=f"arn:aws:iam::{ADMIN}:role/ci-deployer",
        ScopeStartTime=now - datetime.timedelta(days=1),
        ScopeEndTime=now,
    )["InvestigationId"]
    assert len(inv) == 21 and inv.isdigit()
    for _ in range(50):
        got = admin.get_investigation(GraphArn=arn, InvestigationId=inv)
        if got["Status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert got["Status"] == "SUCCESSFUL"
    assert got["EntityType"] == "IAM_ROLE"
    assert got["Severity"] in {"LOW", "MEDIUM", "HIGH", "CRITICAL"}

    indicators = admin.list_indicators(GraphArn=arn, InvestigationId=inv)["Indicators"]
    types = {i["IndicatorType"] for i in indicators}
    assert "RELATED_FINDING" in types
    related = next(i for i in indicators if i["IndicatorType"] == "RELATED_FINDING")
    assert related["IndicatorDetail"]["RelatedFindingDetail"]["Arn"].startswith(f"arn:aws:guardduty:us-east-1:{ADMIN}:detector/")

    listed = admin.list_investigations(GraphArn=arn, FilterCriteria={"Status": {"Value": "SUCCESSFUL"}})
    assert [d["InvestigationId"] for d in listed["InvestigationDetails"]] == [inv]


def test_errors_map_to_boto3_exception_types(endpoint):
    admin = client(endpoint, ADMIN)
    arn = admin.create_graph()["GraphArn"]

    with pytest.raises(admin.exceptions.ValidationException) as bad_arn:
        admin.list_members(GraphArn="arn:aws:detective:us-east-1:111111111111:graph:nope")
    assert bad_arn.value.response["ErrorCode"] == "INVALID_GRAPH_ARN"
    assert bad_arn.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    accounts = [{"AccountId": f"{400000000000 + i:012d}", "EmailAddress": "x@example.com"} for i in range(51)]
    with pytest.raises(admin.exceptions.ValidationException):
        admin.create_members(GraphArn=arn, Accounts=accounts)

    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        client(endpoint, MEMBER).accept_invitation(GraphArn=arn)

    _control(endpoint, "/_emulator/faults", {"throttle_rate": 1.0})
    with pytest.raises(admin.exceptions.TooManyRequestsException):
        admin.get_investigation(GraphArn=arn, InvestigationId="000000000000000000001")
    _control(endpoint, "/_emulator/faults", {"fail": {"CreateMembers": 500}})
    with pytest.raises(admin.exceptions.InternalServerException):
        admin.create_members(GraphArn=arn, Accounts=accounts[:1])
