"""Strings of the certificate pages (status, actions, history, signature requests): key →
(Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "certificates.shortcut": ("인증서", "Certificates"),
    "certificates.title": ("인증서", "Certificate"),
    "certificates.lead": (
        "이지페이 인증서로 로그인하고 기관의 전자서명 요청에 서명하세요. "
        "모든 인증서 사건은 누구나 검증할 수 있는 공개 로그에 기록됩니다.",
        "Sign in and sign institutions' requests with your EasyPay certificate. Every "
        "certificate event is recorded in a public log anyone can verify.",
    ),
    "certificates.none": ("아직 인증서가 없습니다.", "You have no certificate yet."),
    "certificates.current": ("내 인증서", "My certificate"),
    "certificates.serial": ("일련번호", "Serial number"),
    "certificates.custody": ("키 보관", "Key custody"),
    "certificates.custody.server": ("서버 보관", "Held by EasyPay"),
    "certificates.custody.device": ("기기 보관", "Held on your device"),
    "certificates.valid": ("유효기간", "Valid"),
    "certificates.valid_range": ("{start} ~ {end}", "{start} to {end}"),
    "certificates.days_left": ("남은 기간", "Time left"),
    "certificates.days_left_value": ("{days}일", "{days} days"),
    "certificates.expired_value": ("만료됨", "Expired"),
    "certificates.window_open": (
        "지금 갱신할 수 있어요. 갱신하면 만료일이 3년 늘어납니다.",
        "You can renew now: the expiry moves three years later.",
    ),
    "certificates.window_later": (
        "갱신은 만료 90일 전인 {day}부터 할 수 있어요.",
        "You can renew from {day}, 90 days before it expires.",
    ),
    "certificates.locked_note": (
        "인증서 비밀번호를 5번 틀려 잠겼습니다. 결제 비밀번호로 잠금을 풀거나 재발급하세요.",
        "Five wrong certificate PINs locked it: unlock it with your payment PIN, or reissue.",
    ),
    "certificates.suspended_note": (
        "정지된 인증서로는 로그인하거나 서명할 수 없습니다. 결제 비밀번호로 해제하세요.",
        "A suspended certificate cannot sign in or sign. Restore it with your payment PIN.",
    ),
    "certificates.device_renew_note": (
        "기기 보관 인증서는 앱(API)에서 새 키로 갱신합니다.",
        "A device-held certificate is renewed from the app (API) with a new key.",
    ),
    "certificates.status.active": ("유효", "Valid"),
    "certificates.status.locked": ("잠김", "Locked"),
    "certificates.status.suspended": ("정지", "Suspended"),
    "certificates.status.revoked": ("폐기", "Revoked"),
    "certificates.status.deleted": ("삭제", "Deleted"),
    "certificates.status.expired": ("만료", "Expired"),
    "certificates.reason.superseded": ("갱신·재발급으로 교체", "Replaced (renewed or reissued)"),
    "certificates.reason.keyCompromise": ("기기 분실로 폐기", "Revoked: lost device"),
    "certificates.reason.cessationOfOperation": ("사용자가 삭제", "Deleted by you"),
    "certificates.past": ("지난 인증서", "Past certificates"),
    "certificates.history_link": ("이용 내역과 로그 증명", "History and log proofs"),
    "certificates.requests_link": ("서명 요청", "Signature requests"),
    "certificates.requests_count": ("{count}건", "{count}"),
    # --- action forms -------------------------------------------------------------------------
    "certificates.field.cert_pin": ("인증서 비밀번호 (숫자 6자리)", "Certificate PIN (6 digits)"),
    "certificates.field.new_cert_pin": (
        "새 인증서 비밀번호 (숫자 6자리)",
        "New certificate PIN (6 digits)",
    ),
    "certificates.field.new_cert_pin_confirm": (
        "새 인증서 비밀번호 확인",
        "Confirm the new certificate PIN",
    ),
    "certificates.field.payment_pin": ("결제 비밀번호", "Payment PIN"),
    "certificates.cert_pin_hint": (
        "결제 비밀번호와 다른 번호를 쓰세요. 잊으면 되찾을 수 없고 재발급해야 합니다.",
        "Use a number other than your payment PIN. It cannot be recovered: forget it and you "
        "reissue.",
    ),
    "certificates.issue.title": ("인증서 발급", "Issue a certificate"),
    "certificates.issue.lead": (
        "가입할 때 확인한 실명·생년월일·휴대폰 번호로 발급합니다. 개인 키는 인증서 "
        "비밀번호와 서버 비밀 값으로 암호화해 이지페이가 보관합니다.",
        "Issued for the name, birth date and phone number verified at sign-up. EasyPay keeps "
        "the private key, encrypted with your certificate PIN and a server secret.",
    ),
    "certificates.issue.submit": ("인증서 발급하기", "Issue the certificate"),
    "certificates.renew.title": ("갱신", "Renew"),
    "certificates.renew.submit": ("갱신하기", "Renew"),
    "certificates.reissue.title": ("재발급", "Reissue"),
    "certificates.reissue.lead": (
        "지금 인증서는 폐기되고 오늘부터 3년짜리 새 인증서가 발급됩니다.",
        "The current certificate is revoked and a new one is issued for three years from today.",
    ),
    "certificates.reissue.reason": ("재발급 사유", "Reason"),
    "certificates.reissue.forgotten_pin": ("인증서 비밀번호를 잊었어요", "I forgot the PIN"),
    "certificates.reissue.lost_device": ("기기를 잃어버렸어요", "I lost my device"),
    "certificates.reissue.submit": ("재발급하기", "Reissue"),
    "certificates.suspend.title": ("일시 정지", "Suspend"),
    "certificates.suspend.lead": (
        "도용이 의심되면 정지하세요. 정지 중에는 로그인과 서명이 모두 거절됩니다.",
        "Suspect misuse? Suspend it: sign-ins and signatures are refused while suspended.",
    ),
    "certificates.suspend.submit": ("정지하기", "Suspend"),
    "certificates.suspend.confirm": ("인증서를 정지할까요?", "Suspend the certificate?"),
    "certificates.restore.title": ("정지·잠금 해제", "Restore"),
    "certificates.restore.submit": ("해제하기", "Restore"),
    "certificates.delete.title": ("삭제", "Delete"),
    "certificates.delete.lead": (
        "삭제하면 되돌릴 수 없습니다. 인증서는 영구 폐기되고 개인 키는 파기됩니다.",
        "Deleting is final: the certificate is revoked for good and its key destroyed.",
    ),
    "certificates.delete.understand": (
        "삭제하면 되돌릴 수 없다는 것을 확인했습니다.",
        "I understand this cannot be undone.",
    ),
    "certificates.delete.submit": ("인증서 삭제", "Delete the certificate"),
    "certificates.delete.confirm": ("정말 삭제할까요?", "Really delete it?"),
    # --- refusals on the forms ----------------------------------------------------------------
    "certificates.bad_cert_pin": (
        "인증서 비밀번호는 숫자 6자리입니다.",
        "The certificate PIN is six digits.",
    ),
    "certificates.cert_pin_mismatch": (
        "새 인증서 비밀번호가 서로 다릅니다.",
        "The new certificate PINs do not match.",
    ),
    "certificates.bad_payment_pin": (
        "결제 비밀번호 6자리를 입력해 주세요.",
        "Enter your 6-digit payment PIN.",
    ),
    "certificates.choose_reason": ("재발급 사유를 골라 주세요.", "Choose a reason."),
    "certificates.confirm_delete": (
        "삭제를 확인하는 칸에 체크해 주세요.",
        "Tick the box to confirm the deletion.",
    ),
    "certificates.error.CertificateNotFound": (
        "인증서를 찾을 수 없습니다.",
        "No such certificate.",
    ),
    "certificates.error.CertificateAlreadyActive": (
        "이미 사용 중인 인증서가 있습니다.",
        "You already have a certificate.",
    ),
    "certificates.error.CertificateStateConflict": (
        "지금 인증서 상태에서는 할 수 없는 작업입니다.",
        "The certificate cannot do this in its current state.",
    ),
    "certificates.error.RenewalTooEarly": (
        "만료 90일 전부터 갱신할 수 있습니다.",
        "A certificate can be renewed only in the last 90 days before it expires.",
    ),
    "certificates.error.CertificateLocked": (
        "인증서 비밀번호를 5번 틀려 인증서가 잠겼습니다. 잠금을 해제하거나 재발급하세요.",
        "Five wrong certificate PINs locked the certificate: restore or reissue it.",
    ),
    "certificates.error.WrongCertificatePin": (
        "인증서 비밀번호가 틀렸습니다.",
        "The certificate PIN is wrong.",
    ),
    "certificates.tries_left": (
        "{count}번 더 틀리면 인증서가 잠깁니다.",
        "{count} tries left before the certificate locks.",
    ),
    "certificates.error.NoServerKey": (
        "이 인증서의 키는 기기에 있어 웹에서 쓸 수 없습니다.",
        "This certificate's key is on your device, not held by EasyPay.",
    ),
    "certificates.error.IdentityNotVerified": (
        "본인 확인이 된 계정만 인증서를 발급받을 수 있습니다.",
        "Your identity must be verified before a certificate is issued.",
    ),
    "certificates.error.SignRequestExpired": (
        "서명 요청의 유효 시간이 지났습니다. 기관에 다시 요청해 주세요.",
        "This signature request has expired. Ask the institution to send a new one.",
    ),
    "certificates.error.SignRequestNotPending": (
        "이미 서명했거나 거절한 요청입니다.",
        "This request was already answered.",
    ),
    "certificates.error.CertificateEventNotFound": (
        "인증서 내역을 찾을 수 없습니다.",
        "No such certificate event.",
    ),
    "certificates.error.SignRequestNotFound": (
        "서명 요청을 찾을 수 없습니다.",
        "No such signature request.",
    ),
    # --- notices after a redirect ------------------------------------------------------------
    "notice.certificates.issued": ("인증서를 발급했습니다.", "Your certificate is issued."),
    "notice.certificates.renewed": ("인증서를 갱신했습니다.", "Your certificate is renewed."),
    "notice.certificates.reissued": (
        "인증서를 재발급했습니다. 이전 인증서는 폐기했습니다.",
        "Reissued; the old certificate is revoked.",
    ),
    "notice.certificates.suspended": ("인증서를 정지했습니다.", "Your certificate is suspended."),
    "notice.certificates.restored": (
        "인증서를 다시 쓸 수 있습니다.",
        "Your certificate is usable again.",
    ),
    "notice.certificates.deleted": ("인증서를 삭제했습니다.", "Your certificate is deleted."),
    "notice.certificates.signed": ("서명했습니다.", "Signed."),
    "notice.certificates.rejected": ("서명 요청을 거절했습니다.", "You refused to sign."),
    # --- history and proofs ------------------------------------------------------------------
    "certificates.history.title": ("인증서 이용 내역", "Certificate history"),
    "certificates.history.lead": (
        "발급·갱신·정지·서명 같은 모든 사건은 공개 투명성 로그에 기록됩니다. 항목을 누르면 "
        "로그에 들어 있다는 증명을 볼 수 있어요.",
        "Every issue, renewal, suspension and signature is written to the public transparency "
        "log. Open an entry to see the proof that it is in the log.",
    ),
    "certificates.history.empty": ("아직 내역이 없습니다.", "Nothing yet."),
    "certificates.history.index": ("로그 #{index}", "Log #{index}"),
    "certificates.kind.issued": ("발급", "Issued"),
    "certificates.kind.renewed": ("갱신 발급", "Renewed"),
    "certificates.kind.reissued": ("재발급", "Reissued"),
    "certificates.kind.superseded": ("교체됨", "Replaced"),
    "certificates.kind.revoked": ("폐기", "Revoked"),
    "certificates.kind.suspended": ("정지", "Suspended"),
    "certificates.kind.restored": ("해제", "Restored"),
    "certificates.kind.deleted": ("삭제", "Deleted"),
    "certificates.kind.locked": ("비밀번호 오류로 잠김", "Locked (wrong PINs)"),
    "certificates.kind.sign": ("전자서명", "Signature"),
    "certificates.kind.signin": ("인증서 로그인", "Sign-in"),
    "certificates.proof.title": ("로그 포함 증명", "Proof of inclusion"),
    "certificates.proof.lead": (
        "이 사건이 공개 로그에 들어 있다는 증명입니다. 잎 해시와 경로 해시로 루트를 다시 "
        "계산해 서명된 체크포인트의 루트와 비교합니다 (RFC 9162).",
        "The proof that this event is in the public log: the root is recomputed from the leaf "
        "hash and the path, and compared with the root of the signed checkpoint (RFC 9162).",
    ),
    "certificates.proof.event": ("사건", "Event"),
    "certificates.proof.when": ("시각 (KST)", "Time (KST)"),
    "certificates.proof.index": ("로그 순번", "Log index"),
    "certificates.proof.tree_size": ("트리 크기", "Tree size"),
    "certificates.proof.leaf": ("잎 내용", "Leaf data"),
    "certificates.proof.leaf_note": (
        "잎에는 개인정보가 없습니다: 사건 종류, 일련번호, 서버 키로 만든 가명, 시각뿐입니다.",
        "The leaf holds no personal data: the kind, the serial, a keyed pseudonym and the time.",
    ),
    "certificates.proof.leaf_hash": ("잎 해시", "Leaf hash"),
    "certificates.proof.path": ("포함 증명 경로 ({count}개)", "Inclusion path ({count} hashes)"),
    "certificates.proof.path_empty": (
        "로그에 이 잎 하나뿐이라 경로가 비어 있습니다.",
        "The log holds this leaf only: the path is empty.",
    ),
    "certificates.proof.checkpoint": ("서명된 체크포인트", "Signed checkpoint"),
    "certificates.proof.checkpoint_note": (
        "체크포인트의 서명은 로그 공개 키로 확인할 수 있습니다:",
        "Check the checkpoint's signature with the log's public key:",
    ),
    "certificates.proof.server": ("서버 검증", "Server check"),
    "certificates.proof.verified": ("검증됨", "Verified"),
    "certificates.proof.failed": ("검증 실패", "Verification failed"),
    "certificates.proof.unchecked": ("확인 불가", "Not checked"),
    "certificates.proof.browser": ("이 브라우저에서 검증", "Checked in this browser"),
    "certificates.proof.browser_waiting": (
        "브라우저가 직접 확인하려면 자바스크립트가 필요합니다.",
        "Your browser checks it itself when JavaScript is on.",
    ),
    "certificates.proof.browser_ok": (
        "이 브라우저가 체크포인트의 서명을 로그 공개 키로 확인했고, 잎과 경로로 직접 계산한 "
        "루트가 체크포인트의 루트와 같습니다.",
        "This browser checked the checkpoint's signature with the log's key, and the root it "
        "computed from the leaf and the path matches the checkpoint's.",
    ),
    "certificates.proof.browser_partial": (
        "잎과 경로로 직접 계산한 루트가 체크포인트의 루트와 같습니다. 이 브라우저는 Ed25519를 "
        "지원하지 않아 체크포인트 서명은 확인하지 못했습니다.",
        "The root computed from the leaf and the path matches the checkpoint's; this browser "
        "has no Ed25519, so the checkpoint's signature was not checked.",
    ),
    "certificates.proof.browser_bad": (
        "체크포인트 서명이 맞지 않거나, 이 브라우저가 계산한 루트가 체크포인트의 루트와 다릅니다.",
        "The checkpoint's signature is wrong, or the root this browser computed differs "
        "from the checkpoint's.",
    ),
    "certificates.proof.browser_unsupported": (
        "이 브라우저는 검증에 필요한 WebCrypto를 지원하지 않습니다.",
        "This browser lacks the WebCrypto needed to check.",
    ),
    # --- signature requests ------------------------------------------------------------------
    "certificates.requests.title": ("서명 요청", "Signature requests"),
    "certificates.requests.lead": (
        "기관이 보낸 전자서명·본인확인 요청입니다. 내용을 읽고 인증서 비밀번호로 서명하거나 "
        "거절하세요.",
        "Signature and identity requests from institutions. Read them, then sign with your "
        "certificate PIN or refuse.",
    ),
    "certificates.requests.empty": (
        "기다리는 서명 요청이 없습니다.",
        "No signature request is waiting.",
    ),
    "certificates.requests.expires_in": ("{time} 남음", "{time} left"),
    "certificates.requests.minutes": ("{minutes}분 {seconds}초", "{minutes} min {seconds} s"),
    "certificates.requests.seconds": ("{seconds}초", "{seconds} s"),
    "certificates.request.title": ("서명 요청", "Signature request"),
    "certificates.request.institution": ("요청 기관", "Institution"),
    "certificates.request.subject": ("제목", "Title"),
    "certificates.request.purpose": ("용도", "Purpose"),
    "certificates.request.expires": ("유효 시간", "Expires"),
    "certificates.request.status": ("상태", "Status"),
    "certificates.request.text": ("서명할 내용", "What you sign"),
    "certificates.request.hash": ("서명할 문서의 SHA-256", "SHA-256 of the document you sign"),
    "certificates.request.hash_note": (
        "기관이 문서 대신 문서의 해시를 보냈습니다. 기관에서 받은 문서의 해시와 같은지 확인하세요.",
        "The institution sent the document's hash instead of the document: check it matches "
        "the document they gave you.",
    ),
    "certificates.request.approve": ("서명하기", "Sign"),
    "certificates.request.reject": ("거절하기", "Refuse"),
    "certificates.request.reject_confirm": (
        "이 서명 요청을 거절할까요?",
        "Refuse this signature request?",
    ),
    "certificates.request.no_certificate": (
        "서명하려면 유효한 인증서가 필요합니다.",
        "You need a valid certificate to sign.",
    ),
    "certificates.request.expired_note": (
        "유효 시간이 지난 요청입니다. 서명할 수 없습니다.",
        "This request has expired and can no longer be signed.",
    ),
    "certificates.request.answered_note": (
        "이미 답한 요청입니다.",
        "This request is already answered.",
    ),
    "certificates.request.to_list": ("서명 요청 목록", "All signature requests"),
    "certificates.purpose.sign": ("전자서명", "E-signature"),
    "certificates.purpose.identity": ("본인확인", "Identity check"),
    "certificates.purpose.signin": ("로그인", "Sign-in"),
    "certificates.request_status.pending": ("대기 중", "Waiting"),
    "certificates.request_status.signed": ("서명함", "Signed"),
    "certificates.request_status.collected": ("서명함", "Signed"),
    "certificates.request_status.rejected": ("거절함", "Refused"),
    "certificates.request_status.expired": ("만료", "Expired"),
    # --- settings entry ----------------------------------------------------------------------
    "certificates.settings_link": ("인증서", "Certificate"),
}
