"""s3uploader-gui: put images and files into S3 and share them."""

__version__ = "0.1.0"
