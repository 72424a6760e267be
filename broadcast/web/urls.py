from django.urls import path, register_converter

from broadcast.web.views import accounts, days, months, playout, records


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
    path("phat-song/", playout.playout_view, name="playout"),
    path("phat-song/trang-thai/", playout.playout_state, name="playout_state"),
    path("phat-song/lenh/", playout.playout_command, name="playout_command"),
]
