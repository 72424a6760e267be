from django.urls import path, register_converter

from broadcast.web.views import (
    accounts,
    days,
    facts,
    months,
    network,
    playout,
    readings,
    records,
    segments,
    settings,
)


class _Month:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class _Day:
    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(_Month, "month")
register_converter(_Day, "day")

urlpatterns = [
    path("", months.year_view, name="year"),
    path("nam/<int:year>/", months.year_view, name="year_of"),
    path("bat-dau/", accounts.first_run, name="first_run"),
    path("dang-nhap/", accounts.login_view, name="login"),
    path("dang-xuat/", accounts.logout_view, name="logout"),
    path("thang/<month:month>/", months.month_view, name="month"),
    path("thang/<month:month>/luu/", months.month_save, name="month_save"),
    path("thang/<month:month>/kiem-tra/", months.month_check, name="month_check"),
    path("thang/<month:month>/doc-la/", months.spoken, name="spoken"),
    path("thang/<month:month>/duyet/", months.month_approve, name="month_approve"),
    path("thang/<month:month>/dung/", months.month_run, name="month_run"),
    path("thang/<month:month>/viec/<str:job_id>/", months.job_view, name="job"),
    path("thang/<month:month>/nghe/<str:kind>.mp3", months.programme_audio, name="programme_audio"),
    path("thang/<month:month>/giong-doc/", readings.readings_view, name="readings"),
    path("thang/<month:month>/giong-doc/<int:position>/", readings.reading_segment_view, name="reading"),
    path("thang/<month:month>/giong-doc/<int:position>/luu/", readings.reading_save, name="reading_save"),
    path("thang/<month:month>/giong-doc/<int:position>/xoa/", readings.reading_delete, name="reading_delete"),
    path("thang/<month:month>/giong-doc/<int:position>.wav", readings.reading_audio, name="reading_audio"),
    path("thang/<month:month>/so-lieu/", facts.facts_view, name="facts"),
    path("thang/<month:month>/so-lieu/luu/", facts.facts_save, name="facts_save"),
    path("thang/<month:month>/doan/<int:index>/luu/", segments.segment_save, name="segment_save"),
    path("thang/<month:month>/doan/<int:index>/kiem-tra/", segments.segment_check, name="segment_check"),
    path("thang/<month:month>/doan/<int:index>/nghe-thu/", segments.segment_preview, name="segment_preview"),
    path("thang/<month:month>/nghe-thu/<str:name>", segments.preview_audio, name="preview_audio"),
    path("hom-nay/", days.today_view, name="today"),
    path("ngay/<day:day>/", days.today_view, name="day"),
    path("ngay/<day:day>/tep/<str:name>", days.day_audio, name="day_audio"),
    path("ngay/<day:day>/tai-ve.zip", days.day_zip, name="day_zip"),
    path("lich-phat/", days.schedule_view, name="schedule"),
    path("lich-phat/<month:month>/", days.schedule_view, name="schedule_of"),
    path("lich-phat/<month:month>.ics", days.schedule_ics, name="schedule_ics"),
    path("nhat-ky/", accounts.audit_view, name="audit"),
    path("bao-cao/", records.report_view, name="report"),
    path("bao-cao/<str:period>.<str:fmt>", records.report_download, name="report_download"),
    path("tai-khoan/", accounts.users_view, name="users"),
    path("mang-dai/", network.network_view, name="network"),
    path("mang-dai/<month:month>/bang/", network.network_table, name="network_table"),
    path("mang-dai/<month:month>/lam/", network.network_run, name="network_run"),
    path("mang-dai/<month:month>/<slug:slug>.zip", network.network_bundle, name="network_bundle"),
    path("cai-dat/", settings.settings_view, name="settings"),
    path("phat-song/", playout.playout_view, name="playout"),
    path("phat-song/trang-thai/", playout.playout_state, name="playout_state"),
    path("phat-song/lenh/", playout.playout_command, name="playout_command"),
]
