"""Errors of the transparency log's store and public endpoints."""

from __future__ import annotations

from easypay.errors import EasyPayError


class TlogError(EasyPayError):
    """Base of the log's refusals."""


class IndexOutsideTree(TlogError):
    status = 400
    code = "IndexOutsideTree"
    message = "The leaf index must be smaller than the tree size."


class SizesOutOfOrder(TlogError):
    status = 400
    code = "SizesOutOfOrder"
    message = "The old tree size must not be larger than the new tree size."


class EntryRangeInvalid(TlogError):
    status = 400
    code = "EntryRangeInvalid"
    message = "The entry range must be start < end, at most 1,000 entries."


class TreeSizeUnknown(TlogError):
    status = 404
    code = "TreeSizeUnknown"
    message = "The log has not reached this size."


class LeafTooLarge(TlogError):
    status = 413
    code = "LeafTooLarge"
    message = "A log leaf holds at most 4,096 bytes."


class LogCorrupt(TlogError):
    """Stored rows are missing or inconsistent: an operator problem, never the caller's."""

    status = 500
    code = "LogCorrupt"
    message = "The transparency log's stored tree is damaged; operators are told."
