from django.urls import path, register_converter

from broadcast.web import views


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
    path("", views.year_view, name="year"),
    path("nam/<int:year>/", views.year_view, name="year_of"),
    path("bat-dau/", views.first_run, name="first_run"),
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("thang/<month:month>/", views.month_view, name="month"),
    path("thang/<month:month>/luu/", views.month_save, name="month_save"),
    path("thang/<month:month>/kiem-tra/", views.month_check, name="month_check"),
    path("thang/<month:month>/doc-la/", views.spoken, name="spoken"),
    path("thang/<month:month>/duyet/", views.month_approve, name="month_approve"),
    path("thang/<month:month>/dung/", views.month_run, name="month_run"),
    path("thang/<month:month>/viec/<str:job_id>/", views.job_view, name="job"),
    path("thang/<month:month>/nghe/<str:kind>.mp3", views.programme_audio, name="programme_audio"),
    path("hom-nay/", views.today_view, name="today"),
    path("ngay/<day:day>/", views.today_view, name="day"),
    path("ngay/<day:day>/tep/<str:name>", views.day_audio, name="day_audio"),
    path("ngay/<day:day>/tai-ve.zip", views.day_zip, name="day_zip"),
    path("lich-phat/", views.schedule_view, name="schedule"),
    path("lich-phat/<month:month>/", views.schedule_view, name="schedule_of"),
    path("lich-phat/<month:month>.ics", views.schedule_ics, name="schedule_ics"),
    path("nhat-ky/", views.audit_view, name="audit"),
    path("bao-cao/", views.report_view, name="report"),
    path("bao-cao/<str:period>.<str:fmt>", views.report_download, name="report_download"),
    path("tai-khoan/", views.users_view, name="users"),
]
