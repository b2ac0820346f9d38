# A patient-intake estate, as a hospital's platform team might write it, to try `govkit gate`.
# plan.json beside it is this configuration's plan in the shape of
# `terraform show -json PLANFILE` (AWS provider v5, first apply: every id is unknown).

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { managed_by = "terraform", cost_center = "cc-4410" }
  }
}

data "terraform_remote_state" "keys" {
  backend = "s3"
  config  = { bucket = "nbh-terraform-state", key = "keys.tfstate", region = "us-east-1" }
}

resource "aws_kms_key" "phi" {
  description             = "PHI buckets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

# Intake documents: everything set, in the resources provider v4+ splits a bucket into.
resource "aws_s3_bucket" "intake" {
  bucket = "nbh-patient-intake"
  tags   = { data_classification = "phi", owner = "patient-access" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "intake" {
  bucket = aws_s3_bucket.intake.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.phi.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "intake" {
  bucket = aws_s3_bucket.intake.id
  versioning_configuration { status = "Enabled" }
}

resource "aws_s3_bucket_public_access_block" "intake" {
  bucket                  = aws_s3_bucket.intake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "intake" {
  bucket = aws_s3_bucket.intake.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::nbh-patient-intake", "arn:aws:s3:::nbh-patient-intake/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_s3_bucket_logging" "intake" {
  bucket        = aws_s3_bucket.intake.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "intake/"
}

resource "aws_s3_bucket" "logs" {
  bucket = "nbh-access-logs"
  tags   = { purpose = "access-logs" }
}

# Billing statements: PHI, and nothing configured (S3's defaults for a new bucket).
resource "aws_s3_bucket" "billing" {
  bucket = "nbh-billing-statements"
  tags   = { data_classification = "phi", owner = "patient-access" }
}

# Referral scans: configured by bucket name, with the AWS managed key.
resource "aws_s3_bucket" "scans" {
  bucket = "nbh-referral-scans"
  tags   = { data_classification = "phi", owner = "patient-access" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "scans" {
  bucket = "nbh-referral-scans"
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}

resource "aws_s3_bucket_versioning" "scans" {
  bucket = "nbh-referral-scans"
  versioning_configuration { status = "Suspended" }
}

# Call recordings: the key comes from another configuration's state, unknown until apply.
resource "aws_s3_bucket" "recordings" {
  bucket_prefix = "nbh-scan-"
  tags          = { data_classification = "phi", owner = "patient-access" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "recordings" {
  bucket = aws_s3_bucket.recordings.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = data.terraform_remote_state.keys.outputs.recordings_key_arn
    }
    bucket_key_enabled = true
  }
}

# The public website: anyone may read it, unless the account's public access block says no.
resource "aws_s3_bucket" "site" {
  bucket = "nbh-public-site"
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = false
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PublicRead"
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::nbh-public-site/*"
    }]
  })
}

# The archive exists already; this change adds a tag.
resource "aws_s3_bucket" "archive" {
  bucket = "nbh-phi-archive"
  tags   = { data_classification = "phi", owner = "patient-access", retention = "7y" }
}
