"""What the National Tax Service status API answers, and how it maps onto BusinessStatus."""

from pydantic import BaseModel, ConfigDict

from bot.domain.status import BusinessStatus

# b_stt_cd: the taxpayer's state.
ACTIVE, INACTIVE, CLOSED = "01", "02", "03"

# tax_type_cd of an active business, as the National Tax Service publishes it.
_BY_TAX_TYPE = {
    "01": BusinessStatus.VAT_GENERAL,  # 부가가치세 일반과세자
    "02": BusinessStatus.VAT_SIMPLIFIED,  # 부가가치세 간이과세자
    "03": BusinessStatus.VAT_SIMPLIFIED,  # 과세특례자: what simplified taxation was before 2000
    "04": BusinessStatus.VAT_EXEMPT,  # 부가가치세 면세사업자
    "05": BusinessStatus.NON_PROFIT,  # 비영리법인·국가기관 등, no profit-making business
    "06": BusinessStatus.NON_PROFIT,  # 고유번호가 부여된 단체
    "07": BusinessStatus.VAT_SIMPLIFIED,  # 간이과세자 that issues tax invoices
}


def business_status(b_stt_cd: str, tax_type_cd: str) -> BusinessStatus:
    """The BusinessStatus (NHN's codes, used everywhere in the bot) of one NTS answer.

    Inactive (02) and closed (03) map to INACTIVE and CLOSED whatever the tax type:

    >>> business_status("02", "01")
    <BusinessStatus.INACTIVE: '05'>
    >>> business_status("03", "02")
    <BusinessStatus.CLOSED: '06'>

    An active business (01) is told apart by its tax type: general, simplified
    (02, and 07 for those issuing tax invoices, and 03, the pre-2000 special
    taxpayer), exempt (04), or a body without profit-making business (05, 06):

    >>> business_status("01", "01")
    <BusinessStatus.VAT_GENERAL: '01'>
    >>> business_status("01", "07")
    <BusinessStatus.VAT_SIMPLIFIED: '02'>
    >>> business_status("01", "04")
    <BusinessStatus.VAT_EXEMPT: '03'>
    >>> business_status("01", "05")
    <BusinessStatus.NON_PROFIT: '04'>

    A number the National Tax Service does not know comes back with empty codes:

    >>> business_status("", "")
    <BusinessStatus.NOT_IN_BUSINESS: '00'>

    Codes it may add later are OTHER, shown as unknown rather than guessed:

    >>> business_status("01", "99"), business_status("04", "01")
    (<BusinessStatus.OTHER: '09'>, <BusinessStatus.OTHER: '09'>)
    """
    state, tax_type = b_stt_cd.strip(), tax_type_cd.strip()
    if state == INACTIVE:
        return BusinessStatus.INACTIVE
    if state == CLOSED:
        return BusinessStatus.CLOSED
    if state == ACTIVE:
        return _BY_TAX_TYPE.get(tax_type, BusinessStatus.OTHER)
    if not state:
        return BusinessStatus.NOT_IN_BUSINESS
    return BusinessStatus.OTHER


class NtsBusiness(BaseModel):
    """One item of the answer's `data`; fields the bot does not use are dropped."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    b_no: str
    b_stt: str = ""  # 계속사업자, 휴업자, 폐업자; empty for an unregistered number
    b_stt_cd: str = ""
    tax_type: str = ""  # for an unregistered number, a sentence saying so
    tax_type_cd: str = ""
    end_dt: str = ""  # YYYYMMDD the business closed, else empty

    @property
    def status(self) -> BusinessStatus:
        return business_status(self.b_stt_cd, self.tax_type_cd)


class StatusAnswer(BaseModel):
    """A successful answer: `status_code` "OK" and one item per number asked."""

    model_config = ConfigDict(extra="ignore")

    status_code: str
    request_cnt: int | None = None
    match_cnt: int | None = None  # numbers the NTS knows; unregistered ones are not counted
    data: list[NtsBusiness] = []


class GatewayAnswer(BaseModel):
    """An error from the API gateway in front of the service: `{"code": -4, "msg": ...}`."""

    model_config = ConfigDict(extra="ignore")

    code: int


class ValidationRequest(BaseModel):
    """One business of a `/validate` request; empty optional fields are not compared."""

    model_config = ConfigDict(frozen=True)

    b_no: str  # ten digits
    start_dt: str  # the opening date, YYYYMMDD
    p_nm: str  # the representative
    p_nm2: str = ""  # a foreign representative's name in Korean
    b_nm: str = ""  # the company name
    corp_no: str = ""
    b_sector: str = ""
    b_type: str = ""
    b_adr: str = ""


# valid: whether the details match the register.
VALID, NOT_VALID = "01", "02"


class ValidationItem(BaseModel):
    """One item of a `/validate` answer; `status` comes only with a match."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    b_no: str
    valid: str
    valid_msg: str = ""  # "확인할 수 없습니다." on a mismatch: server text, never shown
    status: NtsBusiness | None = None

    @property
    def matches(self) -> bool:
        return self.valid == VALID


class ValidateAnswer(BaseModel):
    """A successful `/validate` answer: one item per business asked about, in order."""

    model_config = ConfigDict(extra="ignore")

    status_code: str
    request_cnt: int | None = None
    valid_cnt: int | None = None
    data: list[ValidationItem] = []
