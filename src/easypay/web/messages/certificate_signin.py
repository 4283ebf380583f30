"""Strings of sign-in with a certificate: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "cert_signin.tab_password": ("비밀번호로 로그인", "With password"),
    "cert_signin.tab_certificate": ("인증서로 로그인", "With certificate"),
    "cert_signin.title": ("인증서로 로그인", "Sign in with your certificate"),
    "cert_signin.lead": (
        "휴대폰 번호와 인증서 비밀번호 6자리로 로그인하세요.",
        "Enter your phone number and your 6-digit certificate PIN.",
    ),
    "cert_signin.pin": ("인증서 비밀번호", "Certificate PIN"),
    "cert_signin.pin_hint": (
        "결제 비밀번호가 아닌, 인증서를 발급할 때 정한 숫자 6자리입니다.",
        "Not the payment PIN: the 6 digits you chose when the certificate was issued.",
    ),
    "cert_signin.submit": ("인증서로 로그인", "Sign in with certificate"),
    "cert_signin.no_certificate": (
        "인증서가 없으신가요? 비밀번호로 로그인한 뒤 인증서를 발급받을 수 있어요.",
        "No certificate yet? Sign in with your password and issue one.",
    ),
    "cert_signin.pin_missing": (
        "인증서 비밀번호 6자리를 입력해 주세요.",
        "Enter your 6-digit certificate PIN.",
    ),
    "cert_signin.error.wrong_pin": (
        "휴대폰 번호 또는 인증서 비밀번호가 맞지 않습니다. {left}번 더 틀리면 인증서가 잠깁니다.",
        "The phone number or certificate PIN is wrong. {left} more wrong and it locks.",
    ),
    "cert_signin.error.locked": (
        "인증서 비밀번호를 5번 틀려 인증서가 잠겼습니다. 비밀번호로 로그인한 뒤 인증서를 "
        "복구하거나 재발급해 주세요.",
        "Five wrong certificate PINs locked this certificate. Sign in with your password, then "
        "restore or reissue it.",
    ),
    "cert_signin.error.suspended": (
        "정지된 인증서입니다. 비밀번호로 로그인한 뒤 인증서를 복구해 주세요.",
        "This certificate is suspended. Sign in with your password and restore it.",
    ),
    "cert_signin.error.expired": (
        "만료된 인증서입니다. 비밀번호로 로그인한 뒤 새로 발급받아 주세요.",
        "This certificate has expired. Sign in with your password and issue a new one.",
    ),
    "cert_signin.error.not_current": (
        "더 이상 쓸 수 없는 인증서입니다. 현재 인증서로 다시 시도해 주세요.",
        "This certificate was replaced or deleted. Try again with the current one.",
    ),
    "cert_signin.error.retry": (
        "로그인 요청이 만료되었습니다. 다시 시도해 주세요.",
        "The sign-in request expired. Please try again.",
    ),
}
