"""The demo estate's edge: Lambda functions, API Gateway REST APIs and CloudFront
distributions (per regional unit).

Per regional unit (`n` is the unit's cross-region serial):

| resource | settings | planted |
| --- | --- | --- |
| role `nbh-lambda-exec-n` | assumed by Lambda | - |
| function `nbh-hl7-router-n` | see below | compliant |
| function `nbh-appointment-reminders-n` | see below | violations |
| REST API `nbh-scheduling-api-n`, stage `prod` | execution logs (INFO), access logs | compliant |
| REST API `nbh-patient-portal-api-n` (phi), stage `prod` | no logs | violations |
| distribution `nbh-patient-education-cdn-n` | HTTPS on every behaviour | compliant |
| distribution `nbh-patient-portal-cdn-n` | `/appointments/*` allows HTTP | violation |

The HL7 router is invoked by its EventBridge rule alone, has a URL with IAM auth and names its
database password by Secrets Manager ARN. Any principal may invoke the appointment reminders,
whose URL has auth type NONE and whose variables hold an SMS gateway API key and an AWS access
key id in plain text.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from govkit.demo.estate_base import (
    Counts, SeedContext, account_arn, classification_tags, phi_tags)
from govkit.demo.names import DEMO_ACCOUNT, region_serial

STAGE = "prod"
_HANDLER = "def handler(event, context):\n    return {'statusCode': 200}\n"
_LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def _package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", _HANDLER)
    return buffer.getvalue()


def seed_unit_edge(ctx: SeedContext, region: str, unit: int) -> Counts:
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    return _seed_functions(ctx, region, n) + _seed_rest_apis(ctx, region, n) + \
        _seed_distributions(ctx, region, n)


def _seed_functions(ctx: SeedContext, region: str, n: int) -> Counts:
    role = ctx.clients.get("iam", region).create_role(
        RoleName=f"nbh-lambda-exec-{n}", AssumeRolePolicyDocument=_LAMBDA_TRUST,
        Tags=[{"Key": "owner", "Value": "cloud-platform"}])["Role"]["Arn"]
    lam = ctx.clients.get("lambda", region)
    common: dict[str, Any] = {"Runtime": "python3.12", "Role": role, "Handler": "app.handler",
                              "Code": {"ZipFile": _package()}}
    router = f"nbh-hl7-router-{n}"
    lam.create_function(
        FunctionName=router, Tags=phi_tags(application="ehr-interface"), **common,
        Environment={"Variables": {
            "DB_PASSWORD_SECRET_ARN": account_arn(
                "secretsmanager", f"secret:nbh/ehr-interface/hl7-feed-{n}", region),
            "STAGE": "production"}})
    lam.add_permission(FunctionName=router, StatementId="hl7-feed-schedule",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                       SourceArn=account_arn("events", f"rule/nbh-hl7-feed-{n}", region),
                       SourceAccount=DEMO_ACCOUNT)
    lam.create_function_url_config(FunctionName=router, AuthType="AWS_IAM")
    reminders = f"nbh-appointment-reminders-{n}"
    lam.create_function(
        FunctionName=reminders, **common,
        Tags=classification_tags("internal", application="scheduling"),
        Environment={"Variables": {
            "SMS_GATEWAY_API_KEY": "demo-sms-gateway-key-not-real",
            "EXPORT_USER_KEY": "AKIAIOSFODNN7EXAMPLE",
            "CLINIC_TIMEZONE": "America/Chicago"}})
    lam.add_permission(FunctionName=reminders, StatementId="public-invoke",
                       Action="lambda:InvokeFunction", Principal="*")
    lam.create_function_url_config(FunctionName=reminders, AuthType="NONE")
    return Counts(iam_roles=1, lambda_functions=2)


def _seed_rest_apis(ctx: SeedContext, region: str, n: int) -> Counts:
    apigateway = ctx.clients.get("apigateway", region)
    scheduling = _deployed_api(apigateway, f"nbh-scheduling-api-{n}",
                               classification_tags("internal", application="scheduling"))
    apigateway.update_stage(restApiId=scheduling, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": account_arn("logs", f"log-group:nbh-scheduling-api-access-{n}", region)},
        {"op": "replace", "path": "/accessLogSettings/format",
         "value": "$context.requestId $context.identity.sourceIp $context.identity.userArn "
                  "$context.httpMethod $context.resourcePath $context.status"}])
    # the portal's API went live with the stage defaults: no execution or access logs
    _deployed_api(apigateway, f"nbh-patient-portal-api-{n}", phi_tags(application="portal"))
    return Counts(rest_apis=2)


def _deployed_api(apigateway: Any, name: str, tags: dict[str, str]) -> str:
    """A REST API with one mock GET method, deployed to its ``prod`` stage; its id."""
    api_id = str(apigateway.create_rest_api(
        name=name, tags=tags, endpointConfiguration={"types": ["REGIONAL"]})["id"])
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                          authorizationType="AWS_IAM")
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET",
                               type="MOCK")
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return api_id


def _seed_distributions(ctx: SeedContext, region: str, n: int) -> Counts:
    """CloudFront is global: each unit's two distributions are named by their comment."""
    cloudfront = ctx.clients.get("cloudfront", region)
    for comment, origin, behaviours in (
            (f"nbh-patient-education-cdn-{n}", f"education-{n}.northbridge-health.example",
             [("/videos/*", "https-only")]),
            # the appointment pages were added on a path nobody moved off allow-all
            (f"nbh-patient-portal-cdn-{n}", f"portal-{n}.northbridge-health.example",
             [("/api/*", "https-only"), ("/appointments/*", "allow-all")])):
        cloudfront.create_distribution(DistributionConfig={
            "CallerReference": comment, "Comment": comment, "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "app", "DomainName": origin, "CustomOriginConfig": {
                    "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
            "DefaultCacheBehavior": _behaviour("redirect-to-https"),
            "CacheBehaviors": {"Quantity": len(behaviours), "Items": [
                {"PathPattern": path, **_behaviour(policy)} for path, policy in behaviours]}})
    return Counts(cloudfront_distributions=2)


def _behaviour(viewer_protocol_policy: str) -> dict[str, Any]:
    return {"TargetOriginId": "app", "ViewerProtocolPolicy": viewer_protocol_policy,
            "MinTTL": 0, "ForwardedValues": {"QueryString": True,
                                             "Cookies": {"Forward": "all"}}}
