"""Static reading of IAM and resource policies: admin-equivalence, trust, public access, TLS.

These are deliberately conservative: when a statement could grant what we look for, it counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from govkit.sources.aws.normalize.common import as_list, statements

# Actions that give full control: "*" itself, or all of IAM (which can grant itself the rest).
_ADMIN_ACTIONS = {"*", "*:*", "iam:*"}

# Condition keys that confine a "*" principal to known callers, so the grant is not public.
_CONFINING_KEYS = {
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:principalorgid",
    "aws:principalorgpaths", "aws:principalaccount", "aws:sourceaccount", "aws:sourcearn",
    "aws:sourceorgid", "aws:sourceorgpaths", "aws:principalarn", "aws:userid",
    "aws:username", "aws:principalservicename",
}

_ACCOUNT_IN_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):")


def grants_admin(document: Mapping[str, Any] | None) -> bool:
    """True when an Allow statement grants an admin action on every resource."""
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = {str(a).lower() for a in as_list(statement.get("Action"))}
        resources = {str(r) for r in as_list(statement.get("Resource"))}
        if actions & _ADMIN_ACTIONS and "*" in resources:
            return True
        if "NotAction" in statement and "*" in resources and not statement.get("Condition"):
            # Allow everything except a short list: still admin unless IAM is excluded
            excluded = {str(a).lower() for a in as_list(statement.get("NotAction"))}
            if not excluded & {"iam:*", "*"}:
                return True
    return False


def _matches(pattern: str, action: str) -> bool:
    """Whether an IAM action pattern (``*`` and ``?`` wildcards, any case) names ``action``."""
    expression = re.escape(pattern.lower()).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(expression, action) is not None


def allows_any_marketplace_subscription(document: Mapping[str, Any] | None) -> bool:
    """True when an Allow statement lets its holder subscribe to any AWS Marketplace product:
    an action pattern that names aws-marketplace:Subscribe (``*``, ``aws-marketplace:*``,
    ``aws-marketplace:Sub*``, ...) on every resource, without an ``aws-marketplace:ProductId``
    condition that confines it to approved products."""
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or "*" not in as_list(statement.get("Resource")):
            continue
        if "aws-marketplace:productid" in _condition_keys(statement):
            continue
        if any(_matches(str(a), "aws-marketplace:subscribe")
               for a in as_list(statement.get("Action"))):
            return True
        if "NotAction" in statement and not any(
                _matches(str(a), "aws-marketplace:subscribe")
                for a in as_list(statement.get("NotAction"))):
            return True
    return False


def _principal_values(principal: Any) -> list[tuple[str, str]]:
    if principal == "*":
        return [("AWS", "*")]
    if not isinstance(principal, Mapping):
        return []
    return [(str(kind), str(value)) for kind, values in principal.items()
            for value in as_list(values)]


def account_of_principal(value: str) -> str | None:
    if value == "*":
        return "*"
    if re.fullmatch(r"\d{12}", value):
        return value
    match = _ACCOUNT_IN_ARN.match(value)
    return match.group(1) if match else None


def _condition_keys(statement: Mapping[str, Any]) -> dict[str, list[Any]]:
    keys: dict[str, list[Any]] = {}
    for _operator, clauses in (statement.get("Condition") or {}).items():
        if isinstance(clauses, Mapping):
            for key, value in clauses.items():
                keys.setdefault(str(key).lower(), []).extend(as_list(value))
    return keys


def trust_summary(document: Mapping[str, Any] | None,
                  own_accounts: frozenset[str]) -> dict[str, Any]:
    """Who may assume a role: principals, and each outside account with its conditions."""
    principals: list[dict[str, str]] = []
    external: dict[str, dict[str, Any]] = {}
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        conditions = _condition_keys(statement)
        for kind, value in _principal_values(statement.get("Principal")):
            principals.append({"Type": kind, "Value": value})
            if kind != "AWS":
                continue
            account = account_of_principal(value)
            if account is None or account in own_accounts:
                continue
            entry = external.setdefault(account, {"Account": account,
                                                  "RequiresExternalId": True,
                                                  "RequiresMfa": True})
            # every statement that lets the account in must demand the condition
            entry["RequiresExternalId"] &= "sts:externalid" in conditions
            entry["RequiresMfa"] &= "aws:multifactorauthpresent" in conditions
    unique = sorted({(p["Type"], p["Value"]) for p in principals})
    return {"Principals": [{"Type": t, "Value": v} for t, v in unique],
            "ExternalAccounts": [external[k] for k in sorted(external)]}


def _is_everyone(principal: Any) -> bool:
    return any(value == "*" for kind, value in _principal_values(principal) if kind == "AWS")


def public_statements(document: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The Allow statements of a resource policy that let anyone in, with no condition
    confining who."""
    return [statement for statement in statements(document)
            if statement.get("Effect") == "Allow" and _is_everyone(statement.get("Principal"))
            and not set(_condition_keys(statement)) & _CONFINING_KEYS]


def allows_public(document: Mapping[str, Any] | None) -> bool:
    """A resource policy that lets anyone in, with no condition confining who."""
    return bool(public_statements(document))


# S3 actions that change or remove what a bucket holds, or who may reach it (an action
# pattern counts when it names any of them: "s3:Put*", "s3:*", "*")
_S3_WRITES = ("s3:putobject", "s3:deleteobject", "s3:deleteobjectversion", "s3:putobjectacl",
              "s3:putobjecttagging", "s3:restoreobject", "s3:putbucketpolicy",
              "s3:deletebucketpolicy", "s3:putbucketacl", "s3:putbucketpublicaccessblock",
              "s3:putbucketversioning", "s3:putencryptionconfiguration",
              "s3:putlifecycleconfiguration", "s3:deletebucket")


def public_write_actions(document: Mapping[str, Any] | None) -> list[str]:
    """How a resource policy lets anyone, with no condition confining who, write to or delete
    from an S3 bucket: the action patterns as written, or "every action but ..." for a
    NotAction statement that leaves a write allowed."""
    found: set[str] = set()
    for statement in public_statements(document):
        if "NotAction" in statement:
            excluded = [str(a) for a in as_list(statement["NotAction"])]
            if not all(any(_matches(x, write) for x in excluded) for write in _S3_WRITES):
                found.add("every action but " + ", ".join(excluded))
            continue
        found.update(str(a) for a in as_list(statement.get("Action"))
                     if any(_matches(str(a), write) for write in _S3_WRITES))
    return sorted(found)


def _is_false(values: list[Any]) -> bool:
    return any(str(v).lower() == "false" for v in values)


def denies_insecure_transport(document: Mapping[str, Any] | None) -> bool:
    """A Deny for everyone, on all S3 actions, when aws:SecureTransport is false."""
    for statement in statements(document):
        if statement.get("Effect") != "Deny" or not _is_everyone(statement.get("Principal")):
            continue
        actions = {str(a).lower() for a in as_list(statement.get("Action"))}
        if not actions & {"s3:*", "*"}:
            continue
        for operator, clauses in (statement.get("Condition") or {}).items():
            if not str(operator).startswith("Bool") or not isinstance(clauses, Mapping):
                continue
            for key, value in clauses.items():
                if str(key).lower() == "aws:securetransport" and _is_false(as_list(value)):
                    return True
    return False
