"""Temporary shim: moved to s3uploader_gui.core.s3.listing, .listing_types and .listing_parse (removed by the lead's import codemod)."""  # noqa: E501

from s3uploader_gui.core.s3.listing import PageStream as PageStream
from s3uploader_gui.core.s3.listing import _botocore_page as _botocore_page
from s3uploader_gui.core.s3.listing import _fast_list as _fast_list
from s3uploader_gui.core.s3.listing import _list_url as _list_url
from s3uploader_gui.core.s3.listing import _pool as _pool
from s3uploader_gui.core.s3.listing import bucket_region as bucket_region
from s3uploader_gui.core.s3.listing import iter_objects as iter_objects
from s3uploader_gui.core.s3.listing import list_buckets as list_buckets
from s3uploader_gui.core.s3.listing import list_page as list_page

# benchmarks/bench_listing.py reads it under its old, private name.
from s3uploader_gui.core.s3.listing_parse import peek_next_token as _peek_next_token  # noqa: F401
from s3uploader_gui.core.s3.listing_types import BucketInfo as BucketInfo
from s3uploader_gui.core.s3.listing_types import ObjectInfo as ObjectInfo
from s3uploader_gui.core.s3.listing_types import Page as Page
