"""Talking to S3: connection settings and clients, the lean upload path, listings.

Kept empty on purpose: importing the package must stay as cheap as importing a settings
dataclass (boto3, ssl, http.client and the XML parser load with the modules that use them).
"""
