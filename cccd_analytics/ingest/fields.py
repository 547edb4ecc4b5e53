"""The canonical fields a report's columns become, and their Vietnamese labels.

Which header names which field is `cccd_analytics.ingest.headers`; the words it reads
them by are `cccd_analytics.ingest.vocabulary`.
"""

from __future__ import annotations

from cccd_analytics import dimensions
from cccd_analytics.dimensions import DIMENSIONS

FIELDS = (
    "date",
    "province",
    "district",
    "commune",
    "commune_code",
    "eligible",
    "collected",
    "collected_day",
    "returned",
    "returned_day",
    "row_number",
    # breakdown columns: the value of a part (cccd_analytics.dimensions)
    *DIMENSIONS,
)

# Fields a user may map by hand on the upload page (summary tables and record exports).
MAPPABLE_FIELDS = (
    "date",
    "province",
    "district",
    "commune",
    "commune_code",
    "eligible",
    "collected",
    "collected_day",
    "returned",
    "received_date",
    "status",
    "returned_date",
    *DIMENSIONS,
)

RECORD_FIELDS = (
    "age",
    "current_address",
    "channel",
    "application_type",
    "shift",
    "record_id",
    "full_name",
    "birth_date",
    "id_number",
    "gender",
    "phone",
    "address",
    "province",
    "district",
    "commune",
    "received_date",
    "status",
    "returned_date",
)
# What an export is read for; every other column is skipped by the parser.
RECORD_READ_FIELDS = ("province", "district", "commune", "received_date", "status", "returned_date")
# Read too, only to put each application in its parts (cccd_analytics.dimensions) while
# counting: an age or a birth year becomes a priority group, the current residence a
# residence class, the place of receipt a channel.  Never stored, logged or shown.
RECORD_BREAKDOWN_FIELDS = ("birth_date", "age", "current_address", "channel", "application_type", "shift")
# Read too, only so that an application listed twice (the same "Số hồ sơ" at the same place
# and day: an export appended to itself, two pages pasted over each other) is counted once.
# Kept in Arrow, compared there, never stored, logged or shown.
RECORD_ID_FIELDS = ("record_id",)
# Read fields with few distinct texts by nature (a place, a status, a channel, an age):
# the CSV reader makes them dictionaries as it parses (readers.delimited._arrow_options).
RECORD_FEW_FIELDS = (
    "province",
    "district",
    "commune",
    "status",
    "channel",
    "application_type",
    "shift",
    "age",
)
PERSONAL_FIELDS = ("record_id", "full_name", "birth_date", "id_number", "gender", "phone", "address")

# Vietnamese labels of the canonical fields, for messages, templates and the mapping UI.
FIELD_LABELS = {
    "date": "Ngày",
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã",
    "commune_code": "Mã xã",
    "eligible": "Số công dân đủ điều kiện",
    "collected": "Lũy kế thu nhận",
    "collected_day": "Thu nhận trong ngày",
    "returned": "Lũy kế trả thẻ",
    "returned_day": "Trả thẻ trong ngày",
    "row_number": "STT",
    "received_date": "Ngày thu nhận",
    "status": "Trạng thái",
    "returned_date": "Ngày trả thẻ",
    "record_id": "Số hồ sơ",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "id_number": "Số CMND/CCCD",
    "gender": "Giới tính",
    "phone": "Số điện thoại",
    "address": "Địa chỉ",
    **dimensions.LABELS,
}
