"""The business calendar built from an area's opening hours and closed days."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ester.organisation.models import ClosedDay, OpeningHours
from ester.organisation.selectors import business_calendar

STHLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.django_db
def test_area_without_hours_uses_the_office_day(city: Any) -> None:
    cal = business_calendar(city.area)
    start = datetime.datetime(2026, 6, 18, 15, 0, tzinfo=STHLM)  # Thursday before midsommarafton
    # 1.5 h left on Thursday; Friday is midsommarafton, weekend follows → Monday 08:00 + 0.5 h
    assert cal.add_working_time(start, datetime.timedelta(hours=2)) == datetime.datetime(2026, 6, 22, 8, 30, tzinfo=STHLM)


@pytest.mark.django_db
def test_area_hours_and_closed_days_are_used(city: Any) -> None:
    for weekday in range(5):
        OpeningHours.objects.create(area=city.area, weekday=weekday, opens=datetime.time(8), closes=datetime.time(18))
    ClosedDay.objects.create(area=city.area, day=datetime.date(2026, 3, 2), reason="Planeringsdag")
    cal = business_calendar(city.area)
    assert not cal.is_working_day(datetime.date(2026, 3, 2))
    friday = datetime.datetime(2026, 2, 27, 17, 0, tzinfo=STHLM)
    assert cal.add_working_time(friday, datetime.timedelta(hours=2)) == datetime.datetime(2026, 3, 3, 9, 0, tzinfo=STHLM)
