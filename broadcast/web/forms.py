"""Every input of the console goes through a form (Vietnamese errors beside the field)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User

from broadcast.web.roles import ROLES


class LoginForm(forms.Form):
    username = forms.CharField(label="Tên đăng nhập", max_length=150)
    password = forms.CharField(label="Mật khẩu", widget=forms.PasswordInput, max_length=200)


class UserForm(forms.Form):
    """A new person (first administrator or one added by an administrator)."""

    username = forms.RegexField(
        label="Tên đăng nhập",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": "Chỉ dùng chữ, số và . @ + - _ (không dấu cách)."},
    )
    full_name = forms.CharField(label="Họ và tên (ghi vào lời duyệt)", max_length=150)
    password = forms.CharField(label="Mật khẩu (ít nhất 8 ký tự)", widget=forms.PasswordInput, max_length=200)
    password2 = forms.CharField(label="Nhập lại mật khẩu", widget=forms.PasswordInput, max_length=200)
    roles = forms.MultipleChoiceField(
        label="Vai trò",
        choices=list(ROLES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": "Chọn ít nhất một vai trò."},
    )

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("Tên đăng nhập này đã có người dùng.")
        return name

    def clean(self) -> dict:
        data = super().clean()
        p1, p2 = data.get("password"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Hai lần nhập mật khẩu không giống nhau.")
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError:
                self.add_error(
                    "password", "Mật khẩu quá ngắn hoặc quá dễ đoán; dùng ít nhất 8 ký tự, có cả chữ và số."
                )
        return data


class ScriptForm(forms.Form):
    text = forms.CharField(
        label="Kịch bản",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        max_length=500_000,
        strip=False,
    )
    base_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


class CheckTextForm(forms.Form):
    text = forms.CharField(max_length=500_000, strip=False, required=False)


class SpokenForm(forms.Form):
    sentence = forms.CharField(label="Câu cần nghe thử cách đọc", max_length=2000)


class ApproveForm(forms.Form):
    body_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    confirm_example = forms.BooleanField(
        label="Tôi biết số liệu của tháng là SỐ LIỆU VÍ DỤ và vẫn duyệt", required=False
    )


class RunForm(forms.Form):
    kind = forms.ChoiceField(choices=[("produce", "Dựng bản nghe thử"), ("make", "Dựng và xếp lịch")])


class ReadingForm(forms.Form):
    """A reading of one segment: the recorded or chosen file, and the text's hash when opened."""

    audio = forms.FileField(
        label="Tệp ghi âm",
        error_messages={"required": "Chưa có bản ghi: bấm Ghi âm hoặc chọn một tệp.", "empty": "Tệp rỗng."},
    )
    segment_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    source = forms.ChoiceField(choices=[("micro", "ghi âm"), ("upload", "tải lên")], widget=forms.HiddenInput)
