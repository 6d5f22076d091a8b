from django import forms

from portal.forms import GridLookupForm


class SubscribeForm(GridLookupForm):
    phone = forms.CharField(
        label="手机号",
        max_length=20,
        help_text="只用于发送本网格的通知短信，随时可以退订。",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": "请填写手机号。"},
    )
    action = forms.ChoiceField(choices=[("subscribe", "订阅"), ("unsubscribe", "退订")], initial="subscribe")
