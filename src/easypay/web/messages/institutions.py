"""Strings of the operator's institution and transparency-log pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "institutions.admin.tab": ("기관", "Institutions"),
    "tlog.admin.tab": ("투명성 로그", "Transparency log"),
    # --- institutions: list and create --------------------------------------------------------
    "institutions.lead": (
        "전자서명을 요청하는 기관(은행, 보험사, 공공기관)입니다. 기관은 API 키로 "
        "/api/v1/institution/sign-requests 를 호출합니다.",
        "Institutions (banks, insurers, offices) that ask users to sign. They call "
        "/api/v1/institution/sign-requests with their API key.",
    ),
    "institutions.all": ("전체", "All"),
    "institutions.total": ("{count}개 기관", "{count} institutions"),
    "institutions.none": ("아직 기관이 없습니다.", "No institutions yet."),
    "institutions.status.active": ("이용 중", "Active"),
    "institutions.status.suspended": ("정지", "Suspended"),
    "institutions.col.name": ("기관", "Institution"),
    "institutions.col.status": ("상태", "Status"),
    "institutions.col.created": ("등록일", "Created"),
    "institutions.col.total": ("요청", "Requests"),
    "institutions.create_title": ("기관 등록", "Add an institution"),
    "institutions.name": ("기관 이름", "Institution name"),
    "institutions.name_hint": (
        "사용자의 지갑과 알림에 이 이름이 보입니다. 다른 기관과 같은 이름은 쓸 수 없습니다.",
        "Users see this name in their wallet and inbox. It must differ from every other one.",
    ),
    "institutions.create": ("등록하고 API 키 받기", "Add and get its API key"),
    # --- the key, shown once ------------------------------------------------------------------
    "institutions.key_title": ("API 키", "API key"),
    "institutions.key_created": ("{name} 기관을 등록했습니다.", "{name} is added."),
    "institutions.key_rotated": (
        "새 API 키를 발급했습니다. 이전 키는 이제 거절됩니다.",
        "A new API key is issued. The old key is refused from now on.",
    ),
    "institutions.key_warning": (
        "이 키는 지금 한 번만 보여 드립니다. 이 페이지를 떠나면 다시 볼 수 없으니, 지금 복사해 "
        "기관에 안전하게 전달하세요. 잃어버리면 새 키를 발급해야 합니다.",
        "This key is shown only now. Once you leave this page it cannot be shown again: copy "
        "it now and hand it to the institution safely. If it is lost, issue a new one.",
    ),
    "institutions.key_copy_hint": (
        "키를 두 번 클릭(휴대폰은 길게 누르기)하면 전체가 선택됩니다. 복사해서 쓰세요.",
        "Double-click the key (long-press on a phone) to select all of it, then copy it.",
    ),
    "institutions.key_usage": (
        "기관은 이 키를 Authorization 헤더에 Bearer 방식으로 넣어 호출합니다.",
        "The institution sends it in the Authorization header as a Bearer token.",
    ),
    # --- one institution ----------------------------------------------------------------------
    "institutions.back": ("기관 목록", "All institutions"),
    "institutions.id": ("기관 번호", "Institution id"),
    "institutions.requests_total": ("서명 요청", "Signature requests"),
    "institutions.requests_total_value": ("{count}건", "{count}"),
    "institutions.suspended_note": (
        "정지된 기관입니다. API 키가 알 수 없는 키와 똑같이 거절되고(401), 대기 중이던 서명 "
        "요청은 만료되었습니다. 서명이 끝난 결과도 정지 중에는 받아 갈 수 없습니다.",
        "This institution is suspended: its API key is refused like an unknown key (401), and "
        "its pending requests have ended. Signed results cannot be collected while suspended.",
    ),
    "institutions.actions_title": ("관리", "Manage"),
    "institutions.suspend": ("정지", "Suspend"),
    "institutions.suspend_hint": (
        "API 키를 바로 막고 대기 중인 서명 요청을 끝냅니다.",
        "Refuses its key at once and ends its pending requests.",
    ),
    "institutions.suspend_confirm": (
        "이 기관을 정지할까요? API 키가 바로 거절되고 대기 중인 서명 요청은 만료됩니다.",
        "Suspend this institution? Its key is refused at once and its pending requests end.",
    ),
    "institutions.reactivate": ("정지 해제", "Reactivate"),
    "institutions.reactivate_hint": (
        "API 키가 다시 동작합니다. 정지로 끝난 요청은 되살아나지 않습니다.",
        "Its key works again. Requests ended by the suspension stay ended.",
    ),
    "institutions.rotate": ("새 API 키 발급", "Issue a new API key"),
    "institutions.rotate_hint": (
        "키가 유출되었거나 담당자가 바뀌었을 때 씁니다. 지금 키는 바로 거절됩니다.",
        "For a leaked key or a change of staff. The current key is refused at once.",
    ),
    "institutions.rotate_confirm": (
        "새 API 키를 발급할까요? 지금 쓰는 키는 바로 거절됩니다.",
        "Issue a new API key? The key in use now is refused at once.",
    ),
    "institutions.rename_title": ("이름 바꾸기", "Rename"),
    "institutions.rename": ("이름 저장", "Save the name"),
    "institutions.requests_title": ("최근 서명 요청", "Latest signature requests"),
    "institutions.requests_lead": (
        "최근 {count}건까지 보여 줍니다. 서명한 사람의 정보는 표시하지 않습니다.",
        "Up to the latest {count}. Who signed is not shown.",
    ),
    "institutions.requests_none": ("아직 서명 요청이 없습니다.", "No signature requests yet."),
    "institutions.col.receipt": ("접수 번호", "Receipt id"),
    "institutions.col.purpose": ("용도", "Purpose"),
    "institutions.col.title": ("제목", "Title"),
    "institutions.col.state": ("상태", "State"),
    "institutions.col.requested": ("요청", "Requested"),
    "institutions.col.expires": ("만료", "Expires"),
    "institutions.col.signed": ("서명", "Signed"),
    "institutions.col.collected": ("수령", "Collected"),
    "institutions.purpose.sign": ("전자서명", "Signature"),
    "institutions.purpose.identity": ("본인 확인", "Identity check"),
    "institutions.purpose.signin": ("로그인", "Sign-in"),
    "institutions.state.pending": ("대기", "Pending"),
    "institutions.state.signed": ("서명 완료", "Signed"),
    "institutions.state.collected": ("수령 완료", "Collected"),
    "institutions.state.rejected": ("거절", "Rejected"),
    "institutions.state.expired": ("만료", "Expired"),
    # --- refusals -----------------------------------------------------------------------------
    "institutions.error.InstitutionNotFound": ("기관을 찾을 수 없습니다.", "No such institution."),
    "institutions.error.InstitutionNameTaken": (
        "같은 이름의 기관이 이미 있습니다. 다른 이름을 쓰세요.",
        "Another institution already has this name.",
    ),
    "institutions.error.InstitutionNotActive": (
        "이미 정지된 기관입니다.",
        "The institution is already suspended.",
    ),
    "institutions.error.InstitutionNotSuspended": (
        "정지된 기관이 아닙니다.",
        "The institution is not suspended.",
    ),
    "institutions.error.bad_name": (
        "기관 이름은 1~100자로, 제어 문자 없이 입력하세요.",
        "An institution name is 1 to 100 characters, without control characters.",
    ),
    "notice.institutions.suspended": (
        "기관을 정지했습니다. API 키가 거절됩니다.",
        "The institution is suspended; its key is refused.",
    ),
    "notice.institutions.reactivated": (
        "기관의 정지를 해제했습니다.",
        "The institution is active again.",
    ),
    "notice.institutions.renamed": ("기관 이름을 바꿨습니다.", "The name is changed."),
    # --- the transparency log -----------------------------------------------------------------
    "tlog.lead": (
        "모든 인증서 사건(발급, 갱신, 정지, 서명…)은 추가만 되는 머클 트리 로그(RFC 9162)에 "
        "기록됩니다. 항목에는 개인정보가 없습니다: 사건 종류, 인증서 일련번호, 가명(서버 비밀 "
        "키로 만든 HMAC), 시각뿐입니다.",
        "Every certificate event (issue, renewal, suspension, signature…) is recorded in an "
        "append-only Merkle tree log (RFC 9162). Entries hold no personal data: the event kind, "
        "the certificate serial, a pseudonym (an HMAC with the server secret) and the time.",
    ),
    "tlog.size": ("트리 크기", "Tree size"),
    "tlog.size_value": ("{count}개 항목", "{count} entries"),
    "tlog.origin": ("로그 이름", "Log origin"),
    "tlog.checkpoint_title": ("현재 서명된 체크포인트", "Current signed checkpoint"),
    "tlog.checkpoint_hint": (
        "로그 이름, 트리 크기, 루트 해시(base64)와 로그 키의 Ed25519 서명 (C2SP signed note).",
        "The origin, tree size, root hash (base64) and the log key's Ed25519 signature "
        "(a C2SP signed note).",
    ),
    "tlog.checkpoint_problem": (
        "체크포인트를 서명하지 못했습니다: {problem}",
        "No checkpoint could be signed: {problem}",
    ),
    "tlog.key_title": ("로그 공개키 (검증 키)", "Log public key (verifier key)"),
    "tlog.key_hint": (
        "체크포인트를 검증하는 키입니다 (Go sumdb/note 형식). 누구나 이 키로 증명을 확인할 수 "
        "있습니다.",
        "The key that checks checkpoints (Go sumdb/note format); anyone can check proofs with it.",
    ),
    "tlog.verify_title": ("무결성 검사", "Integrity check"),
    "tlog.verify_lead": (
        "easypay tlog verify 와 같은 검사입니다: 모든 항목으로 트리를 다시 계산해 저장된 "
        "노드, 모든 체크포인트의 서명과 루트, 이어지는 체크포인트 사이의 일관성을 확인합니다.",
        "The same check as easypay tlog verify: rebuild the tree from every entry, then check "
        "the stored nodes, every checkpoint's signature and root, and the consistency between "
        "consecutive checkpoints.",
    ),
    "tlog.verify_button": ("지금 검사", "Verify now"),
    "tlog.verify_ok": ("로그가 온전합니다", "The log checks out"),
    "tlog.verify_bad": ("로그에 문제가 있습니다", "The log does not check out"),
    "tlog.verify_counts": (
        "항목 {leaves}개, 노드 {nodes}개, 체크포인트 {checkpoints}개를 확인했습니다.",
        "Checked {leaves} entries, {nodes} nodes and {checkpoints} checkpoints.",
    ),
    "tlog.first_problem": ("첫 번째 문제", "First problem"),
    "tlog.check_ok": ("정상", "OK"),
    "tlog.check.leaves": (
        "항목마다 데이터의 해시가 저장된 해시와 같고, 번호가 빠짐없이 이어짐",
        "Every entry hashes to its stored hash; indexes have no gap",
    ),
    "tlog.check.head": ("로그 크기가 항목 수와 같음", "The log size matches the entries"),
    "tlog.check.nodes": (
        "저장된 트리 노드가 데이터로 다시 계산한 값과 같음",
        "Stored tree nodes match the ones rebuilt from the data",
    ),
    "tlog.check.checkpoints": (
        "체크포인트마다 로그 키의 서명이 맞고, 루트가 데이터의 루트와 같음",
        "Every checkpoint is signed by the log key and its root is the data's root",
    ),
    "tlog.check.consistency": (
        "이어지는 체크포인트 사이의 일관성 증명이 맞음",
        "Consecutive checkpoints are consistent",
    ),
    "tlog.check_bad": ("문제 {count}건", "{count} problems"),
    "tlog.entries_title": ("최근 항목", "Latest entries"),
    "tlog.entries_range": ("{first}~{last}번 (최신순)", "{first} to {last}, newest first"),
    "tlog.entries_none": ("아직 항목이 없습니다.", "No entries yet."),
    "tlog.col.index": ("번호", "Index"),
    "tlog.col.kind": ("사건", "Event"),
    "tlog.col.serial": ("인증서 일련번호", "Certificate serial"),
    "tlog.col.reference": ("가명", "Pseudonym"),
    "tlog.col.at": ("시각", "Time"),
    "tlog.col.proof": ("증명", "Proof"),
    "tlog.proof_link": ("포함 증명", "Inclusion proof"),
    "tlog.hash_mismatch": ("해시 불일치", "Hash mismatch"),
    "tlog.unreadable": ("읽을 수 없는 항목", "Unreadable entry"),
    "tlog.older": ("이전 항목", "Older"),
    "tlog.newer": ("최신 항목", "Newer"),
    "tlog.kind.issued": ("발급", "Issued"),
    "tlog.kind.renewed": ("갱신", "Renewed"),
    "tlog.kind.superseded": ("교체됨", "Superseded"),
    "tlog.kind.reissued": ("재발급", "Reissued"),
    "tlog.kind.revoked": ("폐기", "Revoked"),
    "tlog.kind.suspended": ("정지", "Suspended"),
    "tlog.kind.restored": ("정지 해제", "Restored"),
    "tlog.kind.deleted": ("삭제", "Deleted"),
    "tlog.kind.locked": ("잠김", "Locked"),
    "tlog.kind.sign": ("전자서명", "Signature"),
    "tlog.kind.signin": ("로그인", "Sign-in"),
    "tlog.public_title": ("공개 주소", "Public endpoints"),
    "tlog.public.checkpoint": ("서명된 체크포인트", "Signed checkpoint"),
    "tlog.public.key": ("검증 키", "Verifier key"),
    "tlog.public.entries": ("항목 (base64)", "Entries (base64)"),
    "tlog.public.inclusion": ("포함 증명", "Inclusion proof"),
    "tlog.public.consistency": ("일관성 증명", "Consistency proof"),
    "tlog.public.ca": ("CA 인증서", "CA certificate"),
    "tlog.public.crl": ("인증서 폐지 목록 (CRL)", "Revocation list (CRL)"),
    "tlog.public.ocsp": ("OCSP 응답기 (POST)", "OCSP responder (POST)"),
    "tlog.pki_title": ("인증 기관 상태", "PKI at a glance"),
    "tlog.crl_number": ("최신 CRL 번호", "Latest CRL number"),
    "tlog.crl_issued": ("CRL 발행 시각", "CRL issued"),
    "tlog.crl_none": ("아직 없음", "None yet"),
    "tlog.certs_title": ("상태별 인증서", "Certificates by status"),
    "tlog.cert_status.active": ("유효", "Active"),
    "tlog.cert_status.suspended": ("정지", "Suspended"),
    "tlog.cert_status.expired": ("만료", "Expired"),
    "tlog.cert_status.revoked": ("폐기", "Revoked"),
    "tlog.cert_status.deleted": ("삭제", "Deleted"),
}
