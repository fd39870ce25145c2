"""The embedded local S3 server: SeaweedFS run and supervised on 127.0.0.1.

Deliberately empty: ``info`` is read while the window is built, and importing this
package must not load ``server``'s ``subprocess`` and ``socket`` with it.
"""
