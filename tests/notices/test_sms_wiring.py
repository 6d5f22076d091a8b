"""Area notices go out through the notification app's SMS channel by default."""

from django.test import override_settings

from notices.sms import send_sms


def test_default_backend_sends_through_the_notify_sms_channel(monkeypatch):
    sent = []

    class Recording:
        def send(self, notice):
            sent.append((notice.channel, notice.address, notice.body))
            return "ok"

    monkeypatch.setattr("notify.backends.backend_for", lambda channel: Recording())
    with override_settings(NOTIFY_BACKENDS={}):
        send_sms("13800000000", "明日8:00-12:00停水")
    assert sent == [("sms", "13800000000", "明日8:00-12:00停水")]
